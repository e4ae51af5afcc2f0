import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Decision } from "./automations.js";
import type { ParsedPayload } from "./payload.js";

/**
 * Turns one hook payload into an `events` row and the matching change to the `agents` row, and writes
 * both in one transaction. Shared by the command hook (a fresh process per event) and the daemon's HTTP
 * hook route (one long-lived connection), so it takes a bare DatabaseSync and prepares lazily.
 */

export interface EventRow {
  taskId: number | null;
  agentId: number | null;
  source: "hook";
  event: string;
  tool: string | null;
  sessionId: string | null;
  payload: string;
  valid: boolean;
  /** For an invalid payload: what was wrong (the events table has no other text column for it). */
  reason: string | null;
  durationMs: number | null;
  at: number;
}

export type AgentStatus = "working" | "waiting" | "idle";

/** What an event says about the agent; undefined fields leave the column as it is. */
export interface AgentUpdate {
  status?: AgentStatus;
  /** A tool name sets current_tool; null clears it. */
  currentTool?: string | null;
  sessionId?: string;
}

export interface IngestContext {
  taskId: number | null;
  agentId: number | null;
  at: number;
  durationMs: number | null;
}

const WAITING_NOTIFICATIONS: ReadonlySet<string> = new Set([
  "permission_prompt",
  "idle_prompt",
  "agent_needs_input",
]);

export function eventRowOf(parsed: ParsedPayload, context: IngestContext): EventRow {
  return {
    taskId: context.taskId,
    agentId: context.agentId,
    source: "hook",
    event: parsed.event,
    tool: parsed.tool,
    sessionId: parsed.sessionId,
    payload: parsed.text,
    valid: parsed.valid,
    reason: parsed.valid ? null : parsed.errors.join("; "),
    durationMs: context.durationMs,
    at: context.at,
  };
}

/** The agent-status meaning of an event (DESIGN §4: state comes from structured signals only). */
export function agentUpdateOf(parsed: ParsedPayload): AgentUpdate {
  switch (parsed.event) {
    case "PreToolUse":
      return parsed.tool === null ? { status: "working" } : { status: "working", currentTool: parsed.tool };
    case "PostToolUse":
    case "PostToolUseFailure":
      return { currentTool: null };
    case "UserPromptSubmit":
      return { status: "working" };
    case "Stop":
    case "StopFailure":
      return { status: "idle", currentTool: null };
    case "Notification": {
      const type = parsed.data?.notification_type;
      return typeof type === "string" && WAITING_NOTIFICATIONS.has(type) ? { status: "waiting" } : {};
    }
    case "SessionStart":
      return parsed.sessionId === null ? {} : { sessionId: parsed.sessionId };
    default:
      return {};
  }
}

interface Statements {
  insertEvent: StatementSync;
  updateAgent: StatementSync;
  insertRun: StatementSync;
  updateEvent: StatementSync;
}

const cache = new WeakMap<DatabaseSync, Partial<Statements>>();

function statement(db: DatabaseSync, name: keyof Statements): StatementSync {
  let entry = cache.get(db);
  if (entry === undefined) {
    entry = {};
    cache.set(db, entry);
  }
  const prepared = entry[name] ?? db.prepare(SQL[name]);
  entry[name] = prepared;
  return prepared;
}

const SQL: Record<keyof Statements, string> = {
  insertEvent: `INSERT INTO events (task_id, agent_id, source, event, tool, session_id, payload, valid, reason,
      duration_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // An agent the daemon already marked exited or lost keeps that status; the reconciler owns it.
  updateAgent: `UPDATE agents SET
      status = CASE WHEN ?1 IS NOT NULL AND status NOT IN ('exited', 'lost') THEN ?1 ELSE status END,
      current_tool = CASE ?2 WHEN 1 THEN ?3 ELSE current_tool END,
      session_id = COALESCE(?4, session_id),
      last_event_at = ?5
    WHERE id = ?6`,
  insertRun: `INSERT INTO automation_runs (event_id, task_id, script, event, decision, reason, duration_ms, at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  updateEvent: "UPDATE events SET decision = ?, reason = COALESCE(?, reason), duration_ms = ? WHERE id = ?",
};

/** Runs fn in BEGIN IMMEDIATE … COMMIT, or inline if the caller already holds a transaction. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** Stores the event and applies its agent update in one transaction; returns the event id. */
export function ingestEvent(db: DatabaseSync, row: EventRow, update: AgentUpdate): number {
  return inTransaction(db, () => {
    const result = statement(db, "insertEvent").run(
      row.taskId,
      row.agentId,
      row.source,
      row.event,
      row.tool,
      row.sessionId,
      row.payload,
      row.valid ? 1 : 0,
      row.reason,
      row.durationMs,
      row.at,
    );
    if (row.agentId !== null) {
      const touchesTool = update.currentTool !== undefined;
      statement(db, "updateAgent").run(
        update.status ?? null,
        touchesTool ? 1 : 0,
        update.currentTool ?? null,
        update.sessionId ?? null,
        row.at,
        row.agentId,
      );
    }
    return Number(result.lastInsertRowid);
  });
}

/**
 * Applies an agent update decided after the event was stored (a Stop's idle, once the automations let the
 * agent stop). Same rules as ingestEvent: an exited or lost agent keeps its status.
 */
export function applyAgentUpdate(db: DatabaseSync, agentId: number, update: AgentUpdate, at: number): void {
  const touchesTool = update.currentTool !== undefined;
  statement(db, "updateAgent").run(
    update.status ?? null,
    touchesTool ? 1 : 0,
    update.currentTool ?? null,
    update.sessionId ?? null,
    at,
    agentId,
  );
}

/** Records every automation run and the combined decision on the event row, in one transaction. */
export function recordDecision(
  db: DatabaseSync,
  target: { eventId: number; taskId: number | null; event: string; at: number; durationMs: number },
  decision: Decision,
): void {
  inTransaction(db, () => {
    const insertRun = statement(db, "insertRun");
    for (const run of decision.runs) {
      insertRun.run(
        target.eventId,
        target.taskId,
        run.script,
        target.event,
        run.decision,
        run.reason ?? null,
        run.durationMs,
        target.at,
      );
    }
    statement(db, "updateEvent").run(
      decision.decision,
      decision.reason ?? null,
      target.durationMs,
      target.eventId,
    );
  });
}
