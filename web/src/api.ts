/** The UI's view of the daemon's HTTP API: typed fetch helpers and the live SSE stream. */

// The shapes are the server's own types (type-only imports, erased from the bundle); the state and priority
// lists are the pure core's constants. JSON turns nothing in them into something else.
import type { Alert } from "../../src/notify/alerts";
import type { Sample } from "../../src/quota/samples";
import type { QuotaMessage } from "../../src/server/live-feed";
import type { Dashboard, RunningAgent } from "../../src/services/dashboard";
import type { QuotaStatus } from "../../src/services/quota";
import type { TaskDetail } from "../../src/services/tasks";
import type { AgentRun } from "../../src/store/agents";
import type { EventRow } from "../../src/store/events";
import type { Project } from "../../src/store/projects";
import type { Task, Transition } from "../../src/store/tasks";

export { PRIORITIES, type Priority } from "../../src/core/priority";
export { TASK_STATES as STATES, type TaskState } from "../../src/core/task-state";
export type {
  AgentRun,
  Alert,
  Dashboard,
  EventRow,
  Project,
  QuotaMessage,
  RunningAgent,
  Sample,
  Task,
  TaskDetail,
  Transition,
};
export type Quota = QuotaStatus;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; hint?: string };
  };
  if (!res.ok) {
    throw new ApiError(
      res.status,
      data.error?.code ?? "HTTP",
      data.error?.message ?? `HTTP ${res.status}`,
      data.error?.hint,
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
};

export type LiveHandlers = {
  event?: (e: EventRow) => void;
  transition?: (t: Transition & { title: string; project: string }) => void;
  agent?: (a: { agents: RunningAgent[] }) => void;
  alert?: (a: Alert) => void;
  quota?: (q: QuotaMessage) => void;
  /** Fired on (re)connect and on `reset`: refetch what the page shows. */
  resync?: () => void;
};

/**
 * One EventSource per page. The browser resumes with Last-Event-ID by itself after a drop; the daemon
 * replays what was missed, or says `reset` when it cannot.
 */
export function subscribe(handlers: LiveHandlers): () => void {
  const source = new EventSource("/api/stream");
  const on = <T>(kind: string, fn?: (data: T) => void) => {
    if (!fn) return;
    source.addEventListener(kind, (e) => fn(JSON.parse((e as MessageEvent).data) as T));
  };
  on("event", handlers.event);
  on("transition", handlers.transition);
  on("agent", handlers.agent);
  on("alert", handlers.alert);
  on("quota", handlers.quota);
  source.addEventListener("reset", () => handlers.resync?.());
  let opened = false;
  source.addEventListener("open", () => {
    if (opened) handlers.resync?.();
    opened = true;
    document.documentElement.dataset.live = "on";
  });
  source.addEventListener("error", () => {
    document.documentElement.dataset.live = "off";
  });
  return () => source.close();
}
