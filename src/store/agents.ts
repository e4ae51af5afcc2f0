import type { AgentMode, AgentResult } from "../agents/adapter.js";
import type { Stage } from "../core/task-state.js";
import type { Store } from "./db.js";

export type AgentRunStatus = "starting" | "working" | "waiting" | "idle" | "exited" | "lost";
/** An agent run: one process in one tmux window working one stage of one task. */
export interface AgentRun {
  id: number;
  taskId: number;
  stage: Stage;
  /** The agent's name (claude-code, gemini-cli, demo, a custom agent's key) or "verify". */
  kind: string;
  mode: AgentMode | "command";
  status: AgentRunStatus;
  tmuxSocket: string | null;
  tmuxSession: string | null;
  tmuxWindow: string | null;
  windowName: string | null;
  pid: number | null;
  sessionId: string | null;
  runDir: string;
  logOffset: number;
  exitCode: number | null;
  result: AgentResult | null;
  currentTool: string | null;
  lastEventAt: number | null;
  startedAt: number;
  endedAt: number | null;
  /** When a pause made the agent stop after a tool call (hooks/pause-gate.ts): the stage is unfinished. */
  gateStoppedAt: number | null;
}

interface Row {
  id: number;
  task_id: number;
  stage: Stage;
  kind: AgentRun["kind"];
  mode: AgentRun["mode"];
  status: AgentRunStatus;
  tmux_socket: string | null;
  tmux_session: string | null;
  tmux_window: string | null;
  window_name: string | null;
  pid: number | null;
  session_id: string | null;
  run_dir: string;
  log_offset: number;
  exit_code: number | null;
  result: string | null;
  current_tool: string | null;
  last_event_at: number | null;
  started_at: number;
  ended_at: number | null;
  gate_stopped_at: number | null;
}

function toRun(r: Row): AgentRun {
  return {
    id: r.id,
    taskId: r.task_id,
    stage: r.stage,
    kind: r.kind,
    mode: r.mode,
    status: r.status,
    tmuxSocket: r.tmux_socket,
    tmuxSession: r.tmux_session,
    tmuxWindow: r.tmux_window,
    windowName: r.window_name,
    pid: r.pid,
    sessionId: r.session_id,
    runDir: r.run_dir,
    logOffset: r.log_offset,
    exitCode: r.exit_code,
    result: r.result ? (JSON.parse(r.result) as AgentResult) : null,
    currentTool: r.current_tool,
    lastEventAt: r.last_event_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    gateStoppedAt: r.gate_stopped_at ?? null,
  };
}

export interface NewAgentRun {
  taskId: number;
  stage: Stage;
  kind: AgentRun["kind"];
  mode: AgentRun["mode"];
  runDir: string;
}

export function insertAgentRun(store: Store, input: NewAgentRun): AgentRun {
  const row = store.db
    .prepare(
      `INSERT INTO agents (task_id, stage, kind, mode, status, run_dir, started_at)
       VALUES (?, ?, ?, ?, 'starting', ?, ?) RETURNING *`,
    )
    .get(input.taskId, input.stage, input.kind, input.mode, input.runDir, store.clock()) as unknown as Row;
  return toRun(row);
}

export interface AgentRunPatch {
  status?: AgentRunStatus;
  tmuxSocket?: string | null;
  tmuxSession?: string;
  tmuxWindow?: string;
  windowName?: string;
  pid?: number;
  sessionId?: string;
  runDir?: string;
  logOffset?: number;
  exitCode?: number | null;
  result?: AgentResult;
  currentTool?: string | null;
  lastEventAt?: number;
  endedAt?: number;
}

const COLUMN: Record<keyof AgentRunPatch, string> = {
  status: "status",
  tmuxSocket: "tmux_socket",
  tmuxSession: "tmux_session",
  tmuxWindow: "tmux_window",
  windowName: "window_name",
  pid: "pid",
  sessionId: "session_id",
  runDir: "run_dir",
  logOffset: "log_offset",
  exitCode: "exit_code",
  result: "result",
  currentTool: "current_tool",
  lastEventAt: "last_event_at",
  endedAt: "ended_at",
};

export function updateAgentRun(store: Store, id: number, patch: AgentRunPatch): void {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [
    keyof AgentRunPatch,
    unknown,
  ][];
  if (entries.length === 0) return;
  const sets = entries.map(([k]) => `${COLUMN[k]} = ?`).join(", ");
  const values = entries.map(([k, v]) => (k === "result" ? JSON.stringify(v) : v)) as (
    | string
    | number
    | null
  )[];
  store.db.prepare(`UPDATE agents SET ${sets} WHERE id = ?`).run(...values, id);
}

export function getAgentRun(store: Store, id: number): AgentRun | undefined {
  const row = store.db.prepare("SELECT * FROM agents WHERE id = ?").get(id) as Row | undefined;
  return row ? toRun(row) : undefined;
}

/** Runs whose process may still be alive: what the supervisor watches and a restarted daemon re-adopts. */
export function activeAgentRuns(store: Store): AgentRun[] {
  return (
    store.db
      .prepare("SELECT * FROM agents WHERE status NOT IN ('exited', 'lost') ORDER BY id")
      .all() as unknown as Row[]
  ).map(toRun);
}

export function agentRunsForTask(store: Store, taskId: number): AgentRun[] {
  return (
    store.db.prepare("SELECT * FROM agents WHERE task_id = ? ORDER BY id").all(taskId) as unknown as Row[]
  ).map(toRun);
}

export function listAgentRuns(store: Store, options: { all?: boolean; limit?: number } = {}): AgentRun[] {
  const where = options.all ? "" : "WHERE status NOT IN ('exited', 'lost')";
  return (
    store.db
      .prepare(`SELECT * FROM agents ${where} ORDER BY id DESC LIMIT ?`)
      .all(options.limit ?? -1) as unknown as Row[]
  ).map(toRun);
}
