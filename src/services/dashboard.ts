import type { Config } from "../config/load.js";
import type { Priority } from "../core/priority.js";
import { PRIORITIES } from "../core/priority.js";
import { type Alert, listAlerts } from "../notify/alerts.js";
import type { Store } from "../store/db.js";
import { listTasks, queuedInOrder, type Task } from "../store/tasks.js";
import { type QuotaStatus, quotaStatus } from "./quota.js";

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

/**
 * `alerts` are the alerts table (quota, pauses, resumes, resource limits; de-duplicated at the source);
 * blocked tool calls stay in the task pages' event streams.
 */
export function dashboard(store: Store, config: Config): Dashboard {
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
    alerts: listAlerts(store, { limit: 20 }),
    quota: quotaStatus(store, config),
    counts,
  };
}
