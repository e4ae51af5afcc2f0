import type { Decision, HookOutput } from "./automations.js";
import { BLOCKING_EVENTS } from "./events.js";
import { isObject } from "./payload.js";

/**
 * Turns a combined decision into what Claude Code reads (reference §5–§6): for a command hook the
 * stdout JSON, stderr and exit code; for an HTTP hook the response body (status is always 2xx: an HTTP
 * hook cannot block through its status).
 */

export interface CommandResponse {
  stdout: string;
  stderr: string;
  exitCode: 0 | 2;
}

/** Events whose block is the top-level `decision: "block"` with a `reason`. */
const DECISION_BLOCK: ReadonlySet<string> = new Set([
  "UserPromptSubmit",
  "UserPromptExpansion",
  "PostToolUse",
  "PostToolUseFailure",
  "PostToolBatch",
  "Stop",
  "SubagentStop",
  "ConfigChange",
  "PreCompact",
  "TaskCreated",
]);

/** Events that can only be blocked by exit code 2 (no JSON decision exists for them). */
const EXIT_CODE_ONLY: ReadonlySet<string> = new Set(["TeammateIdle", "TaskCompleted", "WorktreeCreate"]);

/** Blocking events where exit 2 is ignored or undocumented: a block must be JSON. */
const JSON_ONLY: ReadonlySet<string> = new Set(["PermissionRequest", "PreModelSwitch"]);

const DEFAULT_REASON = "blocked by a ccm automation";

export interface Shaped {
  /** JSON to print / return; undefined = print nothing. */
  output?: HookOutput;
  /** The block needs exit code 2 (command hooks) to take effect. */
  exit2: boolean;
  /** Set when a block was asked for on an event that cannot block. */
  ignoredBlock?: string;
}

/** The decision's JSON in the event's own block form (reference §6 per-event fields). */
export function shapeDecision(event: string, decision: Decision): Shaped {
  const base: HookOutput = { ...(decision.output ?? {}) };
  if (decision.decision !== "block") return isEmpty(base) ? { exit2: false } : { output: base, exit2: false };
  const reason = decision.reason ?? DEFAULT_REASON;
  const specific = isObject(base.hookSpecificOutput) ? { ...base.hookSpecificOutput } : {};
  delete base.decision;
  delete base.reason;
  if (event === "PreToolUse" || event === "PreModelSwitch") {
    base.hookSpecificOutput = {
      ...specific,
      hookEventName: event,
      permissionDecision: "deny",
      permissionDecisionReason: reason,
    };
    delete (base.hookSpecificOutput as HookOutput).updatedInput;
    return { output: base, exit2: false };
  }
  if (event === "PermissionRequest") {
    base.hookSpecificOutput = {
      ...specific,
      hookEventName: event,
      decision: { behavior: "deny", message: reason },
    };
    return { output: base, exit2: false };
  }
  if (event === "Elicitation" || event === "ElicitationResult") {
    base.hookSpecificOutput = { ...specific, hookEventName: event, action: "decline" };
    return { output: base, exit2: false };
  }
  if (DECISION_BLOCK.has(event)) return { output: { ...base, decision: "block", reason }, exit2: false };
  if (EXIT_CODE_ONLY.has(event)) return isEmpty(base) ? { exit2: true } : { output: base, exit2: true };
  const ignored = `${event} cannot be blocked; ignored: ${reason}`;
  return isEmpty(base)
    ? { exit2: false, ignoredBlock: ignored }
    : { output: base, exit2: false, ignoredBlock: ignored };
}

/**
 * The command hook's answer. `failedClosed` is the hook's own failure on a fail-closed event: it blocks
 * with exit 2 and the reason on stderr where exit 2 blocks, JSON where it does not (PermissionRequest).
 * `exitCodeBlock` answers every block that way (agents such as Gemini CLI that read no Claude JSON).
 */
export function commandResponse(
  event: string,
  decision: Decision,
  options: { failedClosed?: boolean; exitCodeBlock?: boolean } = {},
): CommandResponse {
  const reason = decision.reason ?? DEFAULT_REASON;
  if (
    (options.failedClosed || options.exitCodeBlock) &&
    decision.decision === "block" &&
    BLOCKING_EVENTS.has(event) &&
    !JSON_ONLY.has(event)
  ) {
    return { stdout: "", stderr: `${reason}\n`, exitCode: 2 };
  }
  const shaped = shapeDecision(event, decision);
  const stdout = shaped.output === undefined ? "" : JSON.stringify(shaped.output);
  if (shaped.exit2) return { stdout, stderr: `${reason}\n`, exitCode: 2 };
  return {
    stdout,
    stderr: shaped.ignoredBlock === undefined ? "" : `ccm: ${shaped.ignoredBlock}\n`,
    exitCode: 0,
  };
}

/**
 * The HTTP hook's response body, or undefined for an empty 2xx. Events blockable only by exit code get
 * `decision: "block"` as a best effort: Claude Code documents no way for an HTTP hook to block them.
 */
export function httpResponseBody(event: string, decision: Decision): HookOutput | undefined {
  const shaped = shapeDecision(event, decision);
  if (shaped.exit2)
    return { ...(shaped.output ?? {}), decision: "block", reason: decision.reason ?? DEFAULT_REASON };
  return shaped.output;
}

function isEmpty(output: HookOutput): boolean {
  return Object.keys(output).length === 0;
}
