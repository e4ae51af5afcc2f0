/** The UI's view of the daemon's HTTP API: typed fetch helpers and the live SSE stream. */

export type TaskState =
  | "queued"
  | "planning"
  | "executing"
  | "reviewing"
  | "verifying"
  | "awaiting_approval"
  | "merged"
  | "paused"
  | "failed"
  | "cancelled"
  | "rejected";
export type Priority = "urgent" | "high" | "normal" | "low";
export const PRIORITIES: Priority[] = ["urgent", "high", "normal", "low"];
export const STATES: TaskState[] = [
  "queued",
  "planning",
  "executing",
  "reviewing",
  "verifying",
  "awaiting_approval",
  "merged",
  "paused",
  "failed",
  "cancelled",
  "rejected",
];

export interface Task {
  id: number;
  project: string;
  title: string;
  prompt: string;
  priority: Priority;
  state: TaskState;
  stage: string | null;
  agent: string | null;
  mode: string | null;
  branch: string | null;
  baseBranch: string | null;
  worktreePath: string | null;
  dependsOn: number[];
  failureReason: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}
export interface Transition {
  id: number;
  taskId: number;
  from: TaskState | null;
  to: TaskState;
  reason: string;
  actor: string;
  at: number;
}
export interface Report {
  id: number;
  kind: "plan" | "review" | "verify";
  status: string | null;
  body: string;
  createdAt: number;
}
export interface AgentRun {
  id: number;
  taskId: number;
  stage: string;
  kind: string;
  mode: string;
  status: string;
  windowName: string | null;
  tmuxSocket: string | null;
  tmuxSession: string | null;
  currentTool: string | null;
  lastEventAt: number | null;
  startedAt: number;
  endedAt: number | null;
}
export interface TaskDetail extends Task {
  transitions: Transition[];
  reports: Report[];
  commits: { sha: string; subject: string; checkpoint: boolean }[];
  agents: AgentRun[];
}
export interface EventRow {
  id: number;
  taskId: number | null;
  agentId: number | null;
  source: string;
  event: string;
  tool: string | null;
  payload: unknown;
  valid: boolean;
  decision: string | null;
  reason: string | null;
  at: number;
}
export interface RunningAgent {
  id: number;
  taskId: number;
  taskTitle: string;
  project: string;
  stage: string;
  kind: string;
  status: string;
  currentTool: string | null;
  startedAt: number;
  lastEventAt: number | null;
}
export interface Alert {
  id: string;
  kind: string;
  taskId: number | null;
  message: string;
  at: number;
}
export type Quota =
  | { available: false; message: string }
  | { available: true; utilisation: number; state: string; windowEndsAt: number | null; source: string };
export interface Dashboard {
  agents: RunningAgent[];
  queue: { counts: Record<Priority, number>; tasks: Task[]; total: number };
  awaitingApproval: Task[];
  alerts: Alert[];
  quota: Quota;
  counts: Record<string, number>;
}
export interface Project {
  id: number;
  name: string;
  path: string;
  baseBranch: string | null;
  defaultAgent: string | null;
  verifyCommand: string | null;
  createdAt: number;
}

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
  quota?: (q: Quota) => void;
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
