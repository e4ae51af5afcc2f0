import { isObject } from "./payload.js";

/**
 * The automations contract: a runner gets one hook event and answers with a combined decision. The
 * shipped runner executes scripts (script-runner.ts); the daemon may later add others (built-in guards).
 */

/** A JSON object as Claude Code reads it from a hook's stdout or HTTP body (reference §6). */
export type HookOutput = Record<string, unknown>;

/**
 * allow: nothing to say. block: refuse / stop (deny on PreToolUse). modify: change what happens without
 * refusing it (updatedInput, ask, defer, a tool-output rewrite). context: only add context or messages.
 */
export type DecisionKind = "allow" | "block" | "modify" | "context";

/** One automation's outcome; "error" = it failed (timed out, crashed, exited neither 0 nor 2). */
export interface AutomationRun {
  script: string;
  decision: DecisionKind | "error";
  reason?: string;
  durationMs: number;
  /** The JSON the script printed, if any (passed through, combined with the others). */
  output?: HookOutput;
}

export interface Decision {
  decision: DecisionKind;
  reason?: string;
  /** The combined JSON to print (command) or return (http), before the event-specific block shaping. */
  output?: HookOutput;
  runs: AutomationRun[];
}

export interface AutomationInput {
  event: string;
  /** The parsed hook payload. */
  payload: Readonly<Record<string, unknown>>;
  /** Environment for the automations: CCM_TASK_ID, CCM_AGENT_ID, CCM_HOME, CCM_FAIL_CLOSED, … */
  env: Readonly<Record<string, string | undefined>>;
}

export interface AutomationRunner {
  run(input: AutomationInput): Promise<Decision>;
}

export const NO_DECISION: Decision = Object.freeze({ decision: "allow", runs: [] }) as Decision;

/** Parses CCM_FAIL_CLOSED: a comma list of event names; `*` means every event. */
export function failClosedEvents(value: string | undefined): ReadonlySet<string> {
  if (value === undefined || value.trim() === "") return new Set();
  return new Set(
    value
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
  );
}

export function isFailClosed(set: ReadonlySet<string>, event: string): boolean {
  return set.has(event) || set.has("*");
}

type Permission = "deny" | "defer" | "ask" | "allow";
/** PreToolUse precedence across parallel hooks (reference §6): deny > defer > ask > allow. */
const PERMISSION_RANK: Record<Permission, number> = { deny: 3, defer: 2, ask: 1, allow: 0 };

function permissionOf(output: HookOutput | undefined): Permission | undefined {
  const specific = output?.hookSpecificOutput;
  if (!isObject(specific)) return undefined;
  const value = specific.permissionDecision;
  return value === "deny" || value === "defer" || value === "ask" || value === "allow" ? value : undefined;
}

/** What a script's JSON output amounts to, for recording and combining. */
export function classifyOutput(output: HookOutput): { decision: DecisionKind; reason?: string } {
  const specific = isObject(output.hookSpecificOutput) ? output.hookSpecificOutput : {};
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const permission = permissionOf(output);
  const behavior = isObject(specific.decision) ? specific.decision.behavior : undefined;
  if (output.decision === "block" || permission === "deny" || behavior === "deny") {
    const reason =
      text(output.reason) ??
      text(specific.permissionDecisionReason) ??
      (isObject(specific.decision) ? text(specific.decision.message) : undefined);
    return reason === undefined ? { decision: "block" } : { decision: "block", reason };
  }
  if (output.continue === false) {
    const reason = text(output.stopReason);
    return reason === undefined ? { decision: "block" } : { decision: "block", reason };
  }
  const modifies =
    permission === "ask" ||
    permission === "defer" ||
    "updatedInput" in specific ||
    "updatedToolOutput" in specific ||
    "updatedMCPToolOutput" in specific ||
    "action" in specific ||
    (isObject(specific.decision) && "updatedInput" in specific.decision);
  if (modifies) return { decision: "modify" };
  if ("additionalContext" in specific || "systemMessage" in output) return { decision: "context" };
  return { decision: "allow" };
}

const KIND_RANK: Record<DecisionKind, number> = { block: 3, modify: 2, context: 1, allow: 0 };

/**
 * Combines the runs of one event. Any block wins (with every blocking reason); with failClosed an
 * automation that failed counts as a block. Otherwise outputs merge: PreToolUse takes the strongest
 * permissionDecision, additionalContext and systemMessage concatenate, other fields: last run wins.
 */
export function combineDecisions(
  event: string,
  runs: AutomationRun[],
  options: { failClosed?: boolean } = {},
): Decision {
  if (runs.length === 0) return { decision: "allow", runs };
  let kind: DecisionKind = "allow";
  const reasons: string[] = [];
  for (const run of runs) {
    const effective: DecisionKind =
      run.decision === "error" ? (options.failClosed ? "block" : "allow") : run.decision;
    if (KIND_RANK[effective] > KIND_RANK[kind]) kind = effective;
    if (effective === "block") {
      reasons.push(
        run.reason ?? (run.decision === "error" ? `${run.script} failed` : `blocked by ${run.script}`),
      );
    }
  }
  const output = mergeOutputs(
    event,
    runs.flatMap((run) => (run.output === undefined ? [] : [run.output])),
  );
  const decision: Decision = { decision: kind, runs };
  if (reasons.length > 0) decision.reason = reasons.join("\n");
  if (output !== undefined) decision.output = output;
  return decision;
}

function mergeOutputs(event: string, outputs: HookOutput[]): HookOutput | undefined {
  if (outputs.length === 0) return undefined;
  const merged: HookOutput = {};
  const specific: Record<string, unknown> = {};
  const contexts: string[] = [];
  const messages: string[] = [];
  let best: Permission | undefined;
  let bestReason: unknown;
  for (const output of outputs) {
    for (const [key, value] of Object.entries(output)) {
      if (key === "hookSpecificOutput" || key === "systemMessage") continue;
      if (key === "continue" && merged.continue === false) continue;
      merged[key] = value;
    }
    if (typeof output.systemMessage === "string") messages.push(output.systemMessage);
    if (!isObject(output.hookSpecificOutput)) continue;
    for (const [key, value] of Object.entries(output.hookSpecificOutput)) {
      if (key === "additionalContext") {
        if (typeof value === "string") contexts.push(value);
      } else if (key !== "permissionDecision" && key !== "permissionDecisionReason") {
        specific[key] = value;
      }
    }
    const permission = permissionOf(output);
    if (
      permission !== undefined &&
      (best === undefined || PERMISSION_RANK[permission] > PERMISSION_RANK[best])
    ) {
      best = permission;
      bestReason = output.hookSpecificOutput.permissionDecisionReason;
    }
  }
  if (messages.length > 0) merged.systemMessage = messages.join("\n");
  if (contexts.length > 0) specific.additionalContext = contexts.join("\n\n");
  if (best !== undefined) {
    specific.permissionDecision = best;
    if (bestReason !== undefined) specific.permissionDecisionReason = bestReason;
  }
  if (Object.keys(specific).length > 0) merged.hookSpecificOutput = { ...specific, hookEventName: event };
  return merged;
}
