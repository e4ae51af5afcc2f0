import type { DatabaseSync } from "node:sqlite";
import type { Decision } from "./automations.js";

/**
 * The safe stopping point for a pause (issue 6): when a headless agent's task has a pause request, the
 * PostToolUse hook answers `continue: false`. Observed with Claude Code 2.1.330 under `-p`: the tool call
 * has completed (its result is in the transcript), no further model request is made, the process exits 0
 * with a `result` whose stop_reason is "tool_use", and `--resume <session>` later continues from there.
 * A tool call is therefore never cut off halfway. Interactive runs are not gated: their turn ends at the
 * Stop hook and the daemon pauses the task before its next stage.
 *
 * The agent row is stamped (gate_stopped_at) so the daemon knows the run stopped short of finishing its
 * stage and must resume the same stage with the same session.
 */

export const GATED_EVENTS: ReadonlySet<string> = new Set(["PostToolUse", "PostToolUseFailure"]);

export function pauseGate(db: DatabaseSync, agentId: number, event: string, now: number): string | undefined {
  if (!GATED_EVENTS.has(event)) return undefined;
  const row = db
    .prepare(
      `SELECT t.pause_request AS request, a.mode AS mode FROM agents a JOIN tasks t ON t.id = a.task_id
       WHERE a.id = ? AND a.status NOT IN ('exited', 'lost')`,
    )
    .get(agentId) as { request: string | null; mode: string } | undefined;
  if (!row?.request || row.mode === "interactive") return undefined;
  let reason = "paused";
  try {
    reason = String((JSON.parse(row.request) as { reason?: unknown }).reason ?? reason);
  } catch {
    // A malformed request still pauses.
  }
  db.prepare("UPDATE agents SET gate_stopped_at = coalesce(gate_stopped_at, ?) WHERE id = ?").run(
    now,
    agentId,
  );
  return `ccm: task paused (${reason}); it resumes from here later`;
}

/** The decision with `continue: false` added: Claude Code stops after this hook, whatever else it says. */
export function withStop(decision: Decision, stopReason: string): Decision {
  return { ...decision, output: { ...(decision.output ?? {}), continue: false, stopReason } };
}
