import { TOOL_EVENTS } from "./events.js";

/**
 * The hook's stdin (or HTTP body), decoded and checked by hand: this runs before every tool call, so no
 * schema library. A payload that fails is still returned (valid: false) so it can be stored for a human.
 */
export interface ParsedPayload {
  readonly valid: boolean;
  /** What was wrong, in words; empty when valid. */
  readonly errors: readonly string[];
  /** The event: argv's (or the URL's) if given, else the payload's hook_event_name, else "unknown". */
  readonly event: string;
  /** The parsed JSON object, when the text was one (even if a field check failed). */
  readonly data: Readonly<Record<string, unknown>> | undefined;
  /** The text to store: the raw text, or a shrunken copy when it is larger than MAX_STORED_CHARS. */
  readonly text: string;
  readonly tool: string | null;
  readonly sessionId: string | null;
  /** Size of the input in bytes. */
  readonly bytes: number;
}

/** Payloads above this are stored shrunken: long strings cut, so the row stays valid JSON. */
export const MAX_STORED_CHARS = 1024 * 1024;
/** Longest string kept whole inside a shrunken payload. */
const MAX_STRING_CHARS = 16 * 1024;
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export function parsePayload(input: Uint8Array | string, argvEvent?: string): ParsedPayload {
  const errors: string[] = [];
  const bytes = typeof input === "string" ? Buffer.byteLength(input) : input.byteLength;
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    const buffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (!process.getBuiltinModule("node:buffer").isUtf8(buffer)) errors.push("payload is not valid UTF-8");
    // Lossy on purpose: invalid sequences become U+FFFD so the row can still be stored as text.
    text = buffer.toString("utf8");
  }

  if (argvEvent !== undefined && !EVENT_NAME.test(argvEvent)) {
    errors.push(`event name '${argvEvent.slice(0, 80)}' is not an event name`);
  }

  let data: Record<string, unknown> | undefined;
  if (text.trim() === "") {
    errors.push("payload is empty");
  } else {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) data = parsed;
      else errors.push(`payload is JSON but not an object (${parsed === null ? "null" : typeof parsed})`);
    } catch (error) {
      errors.push(`payload is not JSON: ${(error as Error).message.replace(/\s+/g, " ")}`);
    }
  }

  const named = data?.hook_event_name;
  const fromPayload = typeof named === "string" && EVENT_NAME.test(named) ? named : undefined;
  const event =
    argvEvent !== undefined && EVENT_NAME.test(argvEvent) ? argvEvent : (fromPayload ?? "unknown");
  if (data !== undefined) checkFields(data, event, errors);

  const tool = typeof data?.tool_name === "string" && data.tool_name !== "" ? data.tool_name : null;
  const sessionId = typeof data?.session_id === "string" && data.session_id !== "" ? data.session_id : null;
  return {
    valid: errors.length === 0,
    errors,
    event,
    data,
    text: text.length > MAX_STORED_CHARS ? shrinkText(text, data, bytes) : text,
    tool,
    sessionId,
    bytes,
  };
}

function checkFields(data: Record<string, unknown>, event: string, errors: string[]): void {
  const name = data.hook_event_name;
  if (typeof name !== "string" || name === "") errors.push("hook_event_name is missing or not a string");
  else if (name !== event)
    errors.push(`hook_event_name is '${name.slice(0, 80)}' but the hook ran for '${event}'`);
  requireString(data, "session_id", errors);
  requireString(data, "transcript_path", errors);
  requireString(data, "cwd", errors);
  for (const field of ["permission_mode", "prompt_id", "agent_id", "agent_type"]) {
    optionalString(data, field, errors);
  }
  if (TOOL_EVENTS.has(event)) {
    requireString(data, "tool_name", errors);
    if (!isObject(data.tool_input)) errors.push("tool_input is missing or not an object");
    optionalString(data, "tool_use_id", errors);
  }
  if (event === "Notification") {
    optionalString(data, "notification_type", errors);
    optionalString(data, "message", errors);
  }
}

function requireString(data: Record<string, unknown>, field: string, errors: string[]): void {
  const value = data[field];
  if (typeof value !== "string" || value === "") errors.push(`${field} is missing or not a string`);
}

function optionalString(data: Record<string, unknown>, field: string, errors: string[]): void {
  const value = data[field];
  if (value !== undefined && typeof value !== "string") errors.push(`${field} is not a string`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A huge payload (a Read of a big file, say) is kept as valid JSON with long strings cut. */
function shrinkText(text: string, data: Record<string, unknown> | undefined, bytes: number): string {
  if (data === undefined) return text.slice(0, MAX_STORED_CHARS);
  const shrunk = JSON.stringify({ ...(shrink(data) as Record<string, unknown>), ccm_truncated_bytes: bytes });
  if (shrunk.length <= MAX_STORED_CHARS) return shrunk;
  return JSON.stringify({
    hook_event_name: data.hook_event_name,
    session_id: data.session_id,
    tool_name: data.tool_name,
    ccm_truncated_bytes: bytes,
  });
}

function shrink(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length <= MAX_STRING_CHARS
      ? value
      : `${value.slice(0, MAX_STRING_CHARS)}…[${value.length - MAX_STRING_CHARS} more chars cut by ccm]`;
  }
  if (Array.isArray(value)) return value.map(shrink);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = shrink(inner);
    return out;
  }
  return value;
}
