import type { Store } from "./db.js";

/** Reads of automation_runs (the hook entry writes them: src/hooks/ingest.ts). */

export interface AutomationRunRow {
  id: number;
  eventId: number | null;
  taskId: number | null;
  script: string;
  event: string;
  decision: string;
  reason: string | null;
  durationMs: number;
  at: number;
}

export interface ScriptStats {
  script: string;
  runs: number;
  lastAt: number;
  /** Runs per decision: allow, block, modify, context, error. */
  decisions: Record<string, number>;
}

/** Run counts per script path and decision, with the last run's time. */
export function automationStats(store: Store): Map<string, ScriptStats> {
  const rows = store.db
    .prepare(
      "SELECT script, decision, COUNT(*) AS n, MAX(at) AS last FROM automation_runs GROUP BY script, decision",
    )
    .all() as { script: string; decision: string; n: number; last: number }[];
  const stats = new Map<string, ScriptStats>();
  for (const row of rows) {
    const entry = stats.get(row.script) ?? { script: row.script, runs: 0, lastAt: 0, decisions: {} };
    entry.runs += row.n;
    entry.lastAt = Math.max(entry.lastAt, row.last);
    entry.decisions[row.decision] = row.n;
    stats.set(row.script, entry);
  }
  return stats;
}

/** The latest runs, newest last; optionally of one task. */
export function listAutomationRuns(
  store: Store,
  options: { taskId?: number; limit: number },
): AutomationRunRow[] {
  const where = options.taskId === undefined ? "" : "WHERE task_id = ?";
  const params = options.taskId === undefined ? [options.limit] : [options.taskId, options.limit];
  const rows = store.db
    .prepare(
      `SELECT id, event_id, task_id, script, event, decision, reason, duration_ms, at FROM automation_runs ${where}
       ORDER BY id DESC LIMIT ?`,
    )
    .all(...params) as {
    id: number;
    event_id: number | null;
    task_id: number | null;
    script: string;
    event: string;
    decision: string;
    reason: string | null;
    duration_ms: number;
    at: number;
  }[];
  return rows.reverse().map((r) => ({
    id: r.id,
    eventId: r.event_id,
    taskId: r.task_id,
    script: r.script,
    event: r.event,
    decision: r.decision,
    reason: r.reason,
    durationMs: r.duration_ms,
    at: r.at,
  }));
}
