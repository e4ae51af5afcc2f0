/**
 * One transcript line → one usage entry, with ccusage's acceptance rules (reference §3): a timestamp and
 * message.usage.input_tokens / output_tokens are required, the cache counts optional; other lines (user,
 * attachment, bookkeeping, unknown types) give nothing. Never throws.
 */

export interface UsageEntry {
  /** `<message id>:<request id>`, the de-duplication key; undefined when either id is missing. */
  id: string | undefined;
  at: number;
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
  model: string | null;
}

/** Bytes of `"usage"`: lines without them are skipped before any parsing (most transcript lines). */
export const USAGE_MARKER = Buffer.from('"usage"');

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function parseUsageLine(text: string): UsageEntry | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof line !== "object" || line === null) return undefined;
  const l = line as { timestamp?: unknown; requestId?: unknown; message?: unknown };
  if (typeof l.timestamp !== "string") return undefined;
  const at = Date.parse(l.timestamp);
  if (!Number.isFinite(at)) return undefined;
  const message = l.message as { id?: unknown; model?: unknown; usage?: unknown } | undefined;
  if (typeof message !== "object" || message === null) return undefined;
  const usage = message.usage as Record<string, unknown> | undefined;
  if (typeof usage !== "object" || usage === null) return undefined;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const id =
    typeof message.id === "string" && typeof l.requestId === "string"
      ? `${message.id}:${l.requestId}`
      : undefined;
  return {
    id,
    at,
    input,
    output,
    cacheCreation: count(usage.cache_creation_input_tokens) ?? 0,
    cacheRead: count(usage.cache_read_input_tokens) ?? 0,
    model: typeof message.model === "string" ? message.model : null,
  };
}

export function totalTokens(e: Pick<UsageEntry, "input" | "output" | "cacheCreation" | "cacheRead">): number {
  return e.input + e.output + e.cacheCreation + e.cacheRead;
}
