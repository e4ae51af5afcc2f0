import type { Priority } from "../core/priority.js";
import { PRIORITIES } from "../core/priority.js";
import type { Store } from "../store/db.js";
import { listTasks, queuedInOrder, type Task } from "../store/tasks.js";
import { type QuotaStatus, readQuotaStatus } from "./quota-status.js";

/** What the dashboard shows on first paint; the SSE stream keeps it current afterwards. */

export interface RunningAgent {
  id: number;
  taskId: number;
  taskTitle: string;
  project: string;
  stage: string;
  kind: string;
  mode: string;
  /** working / waiting (for input) / idle / starting. */
  status: string;
  currentTool: string | null;
  startedAt: number;
  lastEventAt: number | null;
  windowName: string | null;
}

export interface Alert {
  /** Stable across calls: `event-<id>` or `transition-<id>`. */
  id: string;
  kind: "blocked" | "failed" | "permission_denied";
  taskId: number | null;
  message: string;
  at: number;
}

export interface Dashboard {
  agents: RunningAgent[];
  queue: { counts: Record<Priority, number>; tasks: Task[]; total: number };
  awaitingApproval: Task[];
  alerts: Alert[];
  quota: QuotaStatus;
  counts: Record<string, number>;
}

export function runningAgents(store: Store): RunningAgent[] {
  const rows = store.db
    .prepare(
      `SELECT a.id, a.task_id, t.title, p.name AS project, a.stage, a.kind, a.mode, a.status, a.current_tool,
         a.started_at, a.last_event_at, a.window_name
       FROM agents a JOIN tasks t ON t.id = a.task_id JOIN projects p ON p.id = t.project_id
       WHERE a.status NOT IN ('exited', 'lost') ORDER BY a.id`,
    )
    .all() as {
    id: number;
    task_id: number;
    title: string;
    project: string;
    stage: string;
    kind: string;
    mode: string;
    status: string;
    current_tool: string | null;
    started_at: number;
    last_event_at: number | null;
    window_name: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    taskId: r.task_id,
    taskTitle: r.title,
    project: r.project,
    stage: r.stage,
    kind: r.kind,
    mode: r.mode,
    status: r.status,
    currentTool: r.current_tool,
    startedAt: r.started_at,
    lastEventAt: r.last_event_at,
    windowName: r.window_name,
  }));
}

/** Queued tasks in the order they will start (urgent first, then oldest). */
export function queueByPriority(store: Store, limit = 50): Dashboard["queue"] {
  const counts = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  for (const r of store.db
    .prepare("SELECT priority, count(*) AS n FROM tasks WHERE state = 'queued' GROUP BY priority")
    .all() as { priority: Priority; n: number }[]) {
    counts[r.priority] = r.n;
  }
  const tasks = queuedInOrder(store, limit);
  return { counts, tasks, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

/** Recent things a user should look at: blocked tool calls, permission denials, failed tasks. */
export function recentAlerts(store: Store, limit = 20): Alert[] {
  const events = store.db
    .prepare(
      `SELECT id, task_id AS taskId, event, tool, reason, at FROM events
       WHERE decision = 'block' OR event = 'permission_denied' ORDER BY id DESC LIMIT ?`,
    )
    .all(limit) as unknown as AlertSource[];
  const failures = store.db
    .prepare(
      "SELECT id, task_id AS taskId, reason, at FROM task_transitions WHERE to_state = 'failed' ORDER BY id DESC LIMIT ?",
    )
    .all(limit) as unknown as FailureSource[];
  return [...events.map(eventAlert), ...failures.map(failureAlert)]
    .sort((a, b) => b.at - a.at)
    .slice(0, limit);
}

/** The fields of an event row (store/events.ts EventRow) an alert is made from. */
type AlertSource = {
  id: number;
  taskId: number | null;
  event: string;
  tool: string | null;
  reason: string | null;
  at: number;
};
/** The fields of a transition to `failed` an alert is made from. */
type FailureSource = { id: number; taskId: number; reason: string; at: number };

export function eventAlert(e: AlertSource): Alert {
  const blocked = e.event !== "permission_denied";
  return {
    id: `event-${e.id}`,
    kind: blocked ? "blocked" : "permission_denied",
    taskId: e.taskId,
    message: `${blocked ? "blocked" : "permission denied"}${e.tool ? ` ${e.tool}` : ""}${e.reason ? `: ${e.reason}` : ""}`,
    at: e.at,
  };
}

export function failureAlert(f: FailureSource): Alert {
  return {
    id: `transition-${f.id}`,
    kind: "failed",
    taskId: f.taskId,
    message: `failed: ${f.reason}`,
    at: f.at,
  };
}

export function dashboard(store: Store): Dashboard {
  const counts = Object.fromEntries(
    (
      store.db.prepare("SELECT state, count(*) AS n FROM tasks GROUP BY state").all() as {
        state: string;
        n: number;
      }[]
    ).map((r) => [r.state, r.n]),
  );
  return {
    agents: runningAgents(store),
    queue: queueByPriority(store),
    awaitingApproval: listTasks(store, { state: "awaiting_approval", limit: 20 }).tasks,
    alerts: recentAlerts(store),
    quota: readQuotaStatus(store),
    counts,
  };
}
