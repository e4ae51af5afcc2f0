import type { Stage } from "../core/task-state.js";
import type { Store } from "./db.js";

/** Stage runs, reports and commits: what a task produced, stage by stage. */

export type StageRunStatus = "running" | "done" | "failed";

export interface StageRun {
  taskId: number;
  stage: Stage;
  attempt: number;
  status: StageRunStatus;
  agentId: number | null;
  startedAt: number;
  endedAt: number | null;
}

export function startStageRun(store: Store, taskId: number, stage: Stage, agentId: number | null): StageRun {
  const { attempt } = store.db
    .prepare(
      "SELECT coalesce(max(attempt), 0) + 1 AS attempt FROM stage_runs WHERE task_id = ? AND stage = ?",
    )
    .get(taskId, stage) as { attempt: number };
  const at = store.clock();
  store.db
    .prepare(
      "INSERT INTO stage_runs (task_id, stage, attempt, status, agent_id, started_at) VALUES (?, ?, ?, 'running', ?, ?)",
    )
    .run(taskId, stage, attempt, agentId, at);
  return { taskId, stage, attempt, status: "running", agentId, startedAt: at, endedAt: null };
}

export function setStageRunAgent(
  store: Store,
  taskId: number,
  stage: Stage,
  attempt: number,
  agentId: number,
): void {
  store.db
    .prepare("UPDATE stage_runs SET agent_id = ? WHERE task_id = ? AND stage = ? AND attempt = ?")
    .run(agentId, taskId, stage, attempt);
}

/** Marks a stage run finished; returns false when it was already finished (so nothing runs twice). */
export function finishStageRun(
  store: Store,
  taskId: number,
  stage: Stage,
  attempt: number,
  status: Exclude<StageRunStatus, "running">,
): boolean {
  const result = store.db
    .prepare(
      `UPDATE stage_runs SET status = ?, ended_at = ? WHERE task_id = ? AND stage = ? AND attempt = ?
       AND status = 'running'`,
    )
    .run(status, store.clock(), taskId, stage, attempt);
  return Number(result.changes) === 1;
}

export function stageRunOfAgent(store: Store, agentId: number): StageRun | undefined {
  const r = store.db.prepare("SELECT * FROM stage_runs WHERE agent_id = ?").get(agentId) as
    | {
        task_id: number;
        stage: Stage;
        attempt: number;
        status: StageRunStatus;
        agent_id: number | null;
        started_at: number;
        ended_at: number | null;
      }
    | undefined;
  return r
    ? {
        taskId: r.task_id,
        stage: r.stage,
        attempt: r.attempt,
        status: r.status,
        agentId: r.agent_id,
        startedAt: r.started_at,
        endedAt: r.ended_at,
      }
    : undefined;
}

export type ReportKind = "plan" | "review" | "verify";

export interface Report {
  id: number;
  taskId: number;
  kind: ReportKind;
  status: string | null;
  body: string;
  createdAt: number;
}

export function addReport(
  store: Store,
  taskId: number,
  kind: ReportKind,
  body: string,
  status?: string,
): Report {
  const r = store.db
    .prepare(
      "INSERT INTO reports (task_id, kind, status, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id, created_at",
    )
    .get(taskId, kind, status ?? null, body, store.clock()) as { id: number; created_at: number };
  return { id: r.id, taskId, kind, status: status ?? null, body, createdAt: r.created_at };
}

export function reportsForTask(store: Store, taskId: number): Report[] {
  const rows = store.db
    .prepare("SELECT id, task_id, kind, status, body, created_at FROM reports WHERE task_id = ? ORDER BY id")
    .all(taskId) as {
    id: number;
    task_id: number;
    kind: ReportKind;
    status: string | null;
    body: string;
    created_at: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    taskId: r.task_id,
    kind: r.kind,
    status: r.status,
    body: r.body,
    createdAt: r.created_at,
  }));
}

export function latestReport(store: Store, taskId: number, kind: ReportKind): Report | undefined {
  return reportsForTask(store, taskId)
    .filter((r) => r.kind === kind)
    .at(-1);
}

export interface TaskCommit {
  sha: string;
  subject: string;
  checkpoint: boolean;
}

export function recordCommits(store: Store, taskId: number, commits: readonly TaskCommit[]): void {
  const insert = store.db.prepare(
    "INSERT OR IGNORE INTO task_commits (task_id, sha, subject, checkpoint, at) VALUES (?, ?, ?, ?, ?)",
  );
  const at = store.clock();
  for (const c of commits) insert.run(taskId, c.sha, c.subject, c.checkpoint ? 1 : 0, at);
}

/** After a rollback: forget recorded commits that are no longer on the task branch. */
export function keepTaskCommits(store: Store, taskId: number, onBranch: readonly string[]): void {
  const keep = new Set(onBranch);
  const remove = store.db.prepare("DELETE FROM task_commits WHERE task_id = ? AND sha = ?");
  for (const c of commitsForTask(store, taskId)) if (!keep.has(c.sha)) remove.run(taskId, c.sha);
}

export function commitsForTask(store: Store, taskId: number): TaskCommit[] {
  const rows = store.db
    .prepare("SELECT sha, subject, checkpoint FROM task_commits WHERE task_id = ? ORDER BY id")
    .all(taskId) as { sha: string; subject: string; checkpoint: number }[];
  return rows.map((r) => ({ sha: r.sha, subject: r.subject, checkpoint: r.checkpoint === 1 }));
}
