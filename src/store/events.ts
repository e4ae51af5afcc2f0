import type { Store } from "./db.js";

/** Normalised events: hook calls (written by the hook entry), agent stream lines and daemon notes. */
export interface EventRow {
  id: number;
  taskId: number | null;
  agentId: number | null;
  source: "hook" | "stream" | "daemon";
  event: string;
  tool: string | null;
  sessionId: string | null;
  payload: unknown;
  valid: boolean;
  decision: string | null;
  reason: string | null;
  at: number;
}

export interface NewEvent {
  taskId: number | null;
  agentId: number | null;
  source: EventRow["source"];
  event: string;
  tool?: string | null;
  sessionId?: string | null;
  payload: unknown;
}

const MAX_PAYLOAD = 64 * 1024;

/** Appends events in one statement loop (call inside a transaction for batches). */
export function insertEvents(store: Store, events: readonly NewEvent[]): void {
  const insert = store.db.prepare(
    "INSERT INTO events (task_id, agent_id, source, event, tool, session_id, payload, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const at = store.clock();
  for (const e of events) {
    let payload = JSON.stringify(e.payload ?? null);
    if (payload.length > MAX_PAYLOAD)
      payload = JSON.stringify({ truncated: true, head: payload.slice(0, MAX_PAYLOAD) });
    insert.run(e.taskId, e.agentId, e.source, e.event, e.tool ?? null, e.sessionId ?? null, payload, at);
  }
}

export function listEvents(
  store: Store,
  filter: { taskId?: number; afterId?: number; limit?: number } = {},
): EventRow[] {
  const where: string[] = ["id > ?"];
  const params: (number | string)[] = [filter.afterId ?? 0];
  if (filter.taskId !== undefined) {
    where.push("task_id = ?");
    params.push(filter.taskId);
  }
  const rows = store.db
    .prepare(
      `SELECT id, task_id, agent_id, source, event, tool, session_id, payload, valid, decision, reason, at
       FROM events WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`,
    )
    .all(...params, filter.limit ?? 1000) as {
    id: number;
    task_id: number | null;
    agent_id: number | null;
    source: EventRow["source"];
    event: string;
    tool: string | null;
    session_id: string | null;
    payload: string;
    valid: number;
    decision: string | null;
    reason: string | null;
    at: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    taskId: r.task_id,
    agentId: r.agent_id,
    source: r.source,
    event: r.event,
    tool: r.tool,
    sessionId: r.session_id,
    payload: r.valid ? safeParse(r.payload) : r.payload,
    valid: r.valid === 1,
    decision: r.decision,
    reason: r.reason,
    at: r.at,
  }));
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The newest hook event of these kinds an agent run reported (interactive runs end through Stop). The
 * daemon asks this on every pass while a TUI runs, so the search goes through the task's index.
 */
export function lastHookEvent(
  store: Store,
  run: { taskId: number; id: number },
  events: readonly string[],
): { event: string; payload: Record<string, unknown> } | undefined {
  const row = store.db
    .prepare(
      `SELECT event, payload FROM events WHERE task_id = ? AND agent_id = ? AND source = 'hook' AND valid = 1
       AND event IN (${events.map(() => "?").join(", ")}) ORDER BY id DESC LIMIT 1`,
    )
    .get(run.taskId, run.id, ...events) as { event: string; payload: string } | undefined;
  if (!row) return undefined;
  const payload = safeParse(row.payload);
  return {
    event: row.event,
    payload: typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : {},
  };
}
