import type { AgentMode } from "../agents/adapter.js";
import { type Priority, priorityRank } from "../core/priority.js";
import type { StageSwitches } from "../core/stages.js";
import { checkTransition, type Stage, type TaskState } from "../core/task-state.js";
import { CcmError } from "../errors.js";
import type { Store } from "./db.js";
import { getProject } from "./projects.js";

export interface Task {
  id: number;
  projectId: number;
  project: string;
  title: string;
  prompt: string;
  priority: Priority;
  state: TaskState;
  stage: Stage | null;
  agent: string | null;
  mode: string | null;
  branch: string | null;
  worktreePath: string | null;
  parentId: number | null;
  attempts: number;
  dependsOn: number[];
  baseBranch: string | null;
  baseCommit: string | null;
  sessionId: string | null;
  failureReason: string | null;
  /** A follow-up prompt waiting for the next executing run (it resumes the agent's session). */
  pendingPrompt: string | null;
  /** Asked to pause (quota or a user) while working: the daemon pauses it at the next safe point. */
  pauseRequest: PauseRequest | null;
  /** Why a paused task is paused: "quota" ones resume by themselves after the reset, "manual" ones do not. */
  pausedBy: PauseKind | null;
  /** The agent session the next run of the paused stage resumes (`--resume`), set when the task resumes. */
  resumeSessionId: string | null;
  options: TaskOptions;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** quota: the quota policy or `ccm quota pause`; manual: `ccm task pause`. Other code may pause for other reasons. */
export type PauseKind = "quota" | "manual";

export interface PauseRequest {
  reason: string;
  actor: string;
  kind: PauseKind;
  at: number;
}

/** Per-task choices made at creation: stage switches and agent mode override the project's. */
export interface TaskOptions {
  stages?: Partial<StageSwitches>;
  mode?: AgentMode;
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

interface TaskRow {
  id: number;
  project_id: number;
  project: string;
  title: string;
  prompt: string;
  priority: Priority;
  state: TaskState;
  stage: Stage | null;
  agent: string | null;
  mode: string | null;
  branch: string | null;
  worktree_path: string | null;
  parent_id: number | null;
  attempts: number;
  depends_on: string | null;
  base_branch: string | null;
  base_commit: string | null;
  session_id: string | null;
  failure_reason: string | null;
  pending_prompt: string | null;
  pause_request: string | null;
  paused_by: PauseKind | null;
  resume_session_id: string | null;
  options: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const SELECT_TASK = `SELECT t.id, t.project_id, p.name AS project, t.title, t.prompt, t.priority, t.state, t.stage,
  t.agent, t.mode, t.branch, t.worktree_path, t.parent_id, t.attempts,
  (SELECT group_concat(d.depends_on) FROM task_dependencies d WHERE d.task_id = t.id) AS depends_on,
  t.base_branch, t.base_commit, t.session_id, t.failure_reason, t.pending_prompt, t.pause_request, t.paused_by, t.resume_session_id, t.options, t.created_at, t.updated_at, t.started_at, t.finished_at
FROM tasks t JOIN projects p ON p.id = t.project_id`;

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    projectId: row.project_id,
    project: row.project,
    title: row.title,
    prompt: row.prompt,
    priority: row.priority,
    state: row.state,
    stage: row.stage,
    agent: row.agent,
    mode: row.mode,
    branch: row.branch,
    worktreePath: row.worktree_path,
    parentId: row.parent_id,
    attempts: row.attempts,
    dependsOn: row.depends_on ? row.depends_on.split(",").map(Number) : [],
    baseBranch: row.base_branch,
    baseCommit: row.base_commit,
    sessionId: row.session_id,
    failureReason: row.failure_reason,
    pendingPrompt: row.pending_prompt,
    pauseRequest: row.pause_request ? (JSON.parse(row.pause_request) as PauseRequest) : null,
    pausedBy: row.paused_by,
    resumeSessionId: row.resume_session_id,
    options: row.options ? (JSON.parse(row.options) as TaskOptions) : {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export interface NewTask {
  project: string;
  prompt: string;
  title?: string;
  priority?: Priority;
  agent?: string;
  dependsOn?: readonly number[];
  options?: TaskOptions;
  actor?: string;
}

export interface QueueLimits {
  maxQueueSize: number;
}

const MAX_PROMPT_BYTES = 1024 * 1024;

/** Queues a new task; the task, its dependencies and its first transition are written in one transaction. */
export function createTask(store: Store, input: NewTask, limits: QueueLimits): Task {
  const prompt = input.prompt.trim();
  if (prompt.length === 0) {
    throw new CcmError("INVALID_ARGUMENT", "the task prompt is empty", {
      hint: 'Give the prompt as an argument (ccm task create --project P "Fix the bug") or on stdin.',
    });
  }
  if (Buffer.byteLength(prompt) > MAX_PROMPT_BYTES) {
    throw new CcmError("INVALID_ARGUMENT", "the task prompt is larger than 1 MiB", {
      hint: "Put long material in a file in the repository and refer to it in the prompt.",
    });
  }
  const priority = input.priority ?? "normal";
  const title = (input.title?.trim() || defaultTitle(prompt)).slice(0, 200);
  const dependsOn = [...new Set(input.dependsOn ?? [])];

  return store.transaction(() => {
    const project = getProject(store, input.project);
    const queued = queueDepth(store);
    if (queued >= limits.maxQueueSize) {
      throw new CcmError(
        "QUEUE_FULL",
        `the queue already holds ${queued} tasks, the limit set by resources.max_queue_size (${limits.maxQueueSize})`,
        {
          hint: "Wait for tasks to start, cancel some (`ccm task cancel ID`), or raise resources.max_queue_size.",
        },
      );
    }
    for (const dep of dependsOn) {
      const state = taskState(store, dep);
      if (state === undefined) {
        throw new CcmError("DEPENDENCY_INVALID", `--depends-on ${dep}: there is no task #${dep}`, {
          hint: "List tasks with `ccm task list`.",
        });
      }
      if (state === "cancelled") {
        throw new CcmError("DEPENDENCY_INVALID", `--depends-on ${dep}: task #${dep} is cancelled`, {
          hint: "A task depending on it could never start; drop this dependency.",
        });
      }
    }
    const now = store.clock();
    const { id } = store.db
      .prepare(
        `INSERT INTO tasks (project_id, title, prompt, priority, priority_rank, state, agent, options, created_at,
           updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?) RETURNING id`,
      )
      .get(
        project.id,
        title,
        prompt,
        priority,
        priorityRank(priority),
        input.agent ?? null,
        input.options ? JSON.stringify(input.options) : null,
        now,
        now,
      ) as {
      id: number;
    };
    const addDep = store.db.prepare("INSERT INTO task_dependencies (task_id, depends_on) VALUES (?, ?)");
    for (const dep of dependsOn) addDep.run(id, dep);
    recordTransition(store, id, null, "queued", "created", input.actor ?? "cli", now);
    return getTask(store, id);
  });
}

function defaultTitle(prompt: string): string {
  const line = prompt.split("\n", 1)[0]!.trim();
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}

function taskState(store: Store, id: number): TaskState | undefined {
  const row = store.db.prepare("SELECT state FROM tasks WHERE id = ?").get(id) as
    | { state: TaskState }
    | undefined;
  return row?.state;
}

export function findTask(store: Store, id: number): Task | undefined {
  const row = store.db.prepare(`${SELECT_TASK} WHERE t.id = ?`).get(id) as TaskRow | undefined;
  return row ? toTask(row) : undefined;
}

export function getTask(store: Store, id: number): Task {
  const task = findTask(store, id);
  if (task) return task;
  throw new CcmError("TASK_NOT_FOUND", `there is no task #${id}`, {
    hint: "List tasks with `ccm task list`.",
  });
}

export interface TaskFilter {
  project?: string;
  state?: TaskState;
  priority?: Priority;
  /** Words the title must contain (case-insensitive). */
  search?: string;
  limit?: number;
  offset?: number;
}

/** Tasks newest first, with the total that matched the filter (for paging). */
export function listTasks(store: Store, filter: TaskFilter = {}): { tasks: Task[]; total: number } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.project !== undefined) {
    where.push("t.project_id = ?");
    params.push(getProject(store, filter.project).id);
  }
  if (filter.state !== undefined) {
    where.push("t.state = ?");
    params.push(filter.state);
  }
  if (filter.priority !== undefined) {
    where.push("t.priority = ?");
    params.push(filter.priority);
  }
  if (filter.search !== undefined && filter.search.trim() !== "") {
    where.push("t.title LIKE ? ESCAPE '\\'");
    params.push(`%${filter.search.trim().replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  const { total } = store.db.prepare(`SELECT count(*) AS total FROM tasks t${clause}`).get(...params) as {
    total: number;
  };
  const limit = filter.limit ?? -1;
  const rows = store.db
    .prepare(`${SELECT_TASK}${clause} ORDER BY t.id DESC LIMIT ? OFFSET ?`)
    .all(...params, limit, filter.offset ?? 0) as unknown as TaskRow[];
  return { tasks: rows.map(toTask), total };
}

interface TransitionRow {
  id: number;
  task_id: number;
  from_state: TaskState | null;
  to_state: TaskState;
  reason: string;
  actor: string;
  at: number;
}

const toTransition = (r: TransitionRow): Transition => ({
  id: r.id,
  taskId: r.task_id,
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
  actor: r.actor,
  at: r.at,
});

export function getTransitions(store: Store, taskId: number): Transition[] {
  const rows = store.db
    .prepare(
      "SELECT id, task_id, from_state, to_state, reason, actor, at FROM task_transitions WHERE task_id = ? ORDER BY id",
    )
    .all(taskId) as unknown as TransitionRow[];
  return rows.map(toTransition);
}

/** Every task's transitions after `afterId`, oldest first, with the task's title and project (live feed). */
export function transitionsAfter(
  store: Store,
  afterId: number,
  limit: number,
): (Transition & { title: string; project: string })[] {
  const rows = store.db
    .prepare(
      `SELECT tt.id, tt.task_id, tt.from_state, tt.to_state, tt.reason, tt.actor, tt.at, t.title, p.name AS project
       FROM task_transitions tt JOIN tasks t ON t.id = tt.task_id JOIN projects p ON p.id = t.project_id
       WHERE tt.id > ? ORDER BY tt.id LIMIT ?`,
    )
    .all(afterId, limit) as unknown as (TransitionRow & { title: string; project: string })[];
  return rows.map((r) => ({ ...toTransition(r), title: r.title, project: r.project }));
}

function recordTransition(
  store: Store,
  taskId: number,
  from: TaskState | null,
  to: TaskState,
  reason: string,
  actor: string,
  at: number,
): void {
  store.db
    .prepare(
      "INSERT INTO task_transitions (task_id, from_state, to_state, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(taskId, from, to, reason, actor, at);
}

export interface TransitionOptions {
  reason: string;
  actor: string;
  /** Refuse unless the task is still in this state (guards against a concurrent change). */
  expectedFrom?: TaskState;
  /** Fields written in the same transaction as the state change. */
  patch?: TaskPatch;
}

export interface TaskPatch {
  agent?: string | null;
  mode?: string | null;
  branch?: string | null;
  worktreePath?: string | null;
  baseBranch?: string | null;
  baseCommit?: string | null;
  sessionId?: string | null;
  failureReason?: string | null;
  pendingPrompt?: string | null;
  pauseRequest?: PauseRequest | null;
  pausedBy?: PauseKind | null;
  resumeSessionId?: string | null;
}

const PATCH_COLUMN: Record<keyof TaskPatch, string> = {
  agent: "agent",
  mode: "mode",
  branch: "branch",
  worktreePath: "worktree_path",
  baseBranch: "base_branch",
  baseCommit: "base_commit",
  sessionId: "session_id",
  failureReason: "failure_reason",
  pendingPrompt: "pending_prompt",
  pauseRequest: "pause_request",
  pausedBy: "paused_by",
  resumeSessionId: "resume_session_id",
};

/** Sets task fields without a state change (the runner records what it created: branch, worktree, ...). */
export function patchTask(store: Store, id: number, patch: TaskPatch): void {
  const entries = Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, v !== null && typeof v === "object" ? JSON.stringify(v) : v]) as [
    keyof TaskPatch,
    string | null,
  ][];
  if (entries.length === 0) return;
  store.db
    .prepare(
      `UPDATE tasks SET ${entries.map(([k]) => `${PATCH_COLUMN[k]} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
    )
    .run(...entries.map(([, v]) => v), store.clock(), id);
}

/** Moves a task to a new state, checked by the state machine and recorded in the same transaction. */
export function transitionTask(store: Store, id: number, to: TaskState, options: TransitionOptions): Task {
  return store.transaction(() => {
    const current = store.db.prepare("SELECT state, stage FROM tasks WHERE id = ?").get(id) as
      | { state: TaskState; stage: Stage | null }
      | undefined;
    if (current === undefined) {
      throw new CcmError("TASK_NOT_FOUND", `there is no task #${id}`, {
        hint: "List tasks with `ccm task list`.",
      });
    }
    const from = current.state;
    if (options.expectedFrom !== undefined && from !== options.expectedFrom) {
      throw new CcmError("INVALID_TRANSITION", `task #${id} is ${from}, no longer ${options.expectedFrom}`, {
        hint: "It changed meanwhile; look at `ccm task show` and retry.",
      });
    }
    const check = checkTransition(from, to);
    if (!check.ok) {
      throw new CcmError("INVALID_TRANSITION", `task #${id}: ${check.message}`, { hint: check.hint });
    }
    const now = store.clock();
    store.db
      .prepare(
        `UPDATE tasks SET state = ?, stage = ?, updated_at = ?,
           started_at = CASE WHEN started_at IS NULL AND ? IN ('planning', 'executing') THEN ? ELSE started_at END,
           finished_at = ?,
           pause_request = CASE WHEN ? THEN pause_request ELSE NULL END,
           paused_by = CASE WHEN ? = 'paused' THEN paused_by ELSE NULL END
         WHERE id = ?`,
      )
      .run(
        to,
        nextStage(from, to, current.stage),
        now,
        to,
        now,
        isFinished(to) ? now : null,
        // A pause request lives while the task works; leaving work (paused, failed, done) settles it.
        isStageState(to) ? 1 : 0,
        to,
        id,
      );
    if (options.patch) patchTask(store, id, options.patch);
    recordTransition(store, id, from, to, options.reason, options.actor, now);
    return getTask(store, id);
  });
}

/** The stage column: the stage being worked, the one a paused task will resume, or where a task ended. */
function nextStage(from: TaskState, to: TaskState, current: Stage | null): Stage | null {
  if (isStageState(to)) return to;
  if (to === "paused") return isStageState(from) ? from : current;
  // Resumed work goes back to the stage it left; a retried task starts over.
  if (to === "queued") return from === "paused" ? current : null;
  return current;
}

function isFinished(state: TaskState): boolean {
  return state === "merged" || state === "cancelled" || state === "failed" || state === "rejected";
}

function isStageState(state: TaskState): state is Stage {
  return state === "planning" || state === "executing" || state === "reviewing" || state === "verifying";
}

export function queueDepth(store: Store): number {
  const row = store.db.prepare("SELECT count(*) AS n FROM tasks WHERE state = 'queued'").get() as {
    n: number;
  };
  return row.n;
}

export function countByState(store: Store): Partial<Record<TaskState, number>> {
  const rows = store.db.prepare("SELECT state, count(*) AS n FROM tasks GROUP BY state").all() as {
    state: TaskState;
    n: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * The next queued tasks that may start, in queue order (urgent > high > normal > low, oldest first), skipping
 * those whose dependencies are not merged yet. Walks the queue index; mirrors core/queue.ts's order.
 */
export function nextRunnable(store: Store, slots: number): Task[] {
  if (slots <= 0) return [];
  const rows = store.db
    .prepare(
      `${SELECT_TASK} WHERE t.state = 'queued' AND NOT EXISTS (
         SELECT 1 FROM task_dependencies d JOIN tasks dep ON dep.id = d.depends_on
         WHERE d.task_id = t.id AND dep.state <> 'merged')
       ORDER BY t.priority_rank, t.created_at, t.id LIMIT ?`,
    )
    .all(slots) as unknown as TaskRow[];
  return rows.map(toTask);
}

/** Queued tasks that wait on a cancelled task can never start: fail them, saying which dependency. */
export function failOrphanedTasks(store: Store, actor: string): Task[] {
  const rows = store.db
    .prepare(
      `SELECT d.task_id AS id, min(d.depends_on) AS dep FROM task_dependencies d
       JOIN tasks t ON t.id = d.task_id JOIN tasks dep ON dep.id = d.depends_on
       WHERE t.state = 'queued' AND dep.state = 'cancelled' GROUP BY d.task_id`,
    )
    .all() as { id: number; dep: number }[];
  return rows.map((r) =>
    transitionTask(store, r.id, "failed", {
      reason: `dependency #${r.dep} was cancelled, so this task can never start`,
      actor,
      expectedFrom: "queued",
    }),
  );
}

/** Tasks in any of these states, oldest first (the runner walks the working ones each pass). */
export function tasksInStates(store: Store, states: readonly TaskState[]): Task[] {
  const rows = store.db
    .prepare(`${SELECT_TASK} WHERE t.state IN (${states.map(() => "?").join(", ")}) ORDER BY t.id`)
    .all(...states) as unknown as TaskRow[];
  return rows.map(toTask);
}

/** Queued tasks in the order they will be considered (urgent > high > normal > low, then oldest first). */
export function queuedInOrder(store: Store, limit: number): Task[] {
  const rows = store.db
    .prepare(`${SELECT_TASK} WHERE t.state = 'queued' ORDER BY t.priority_rank, t.created_at, t.id LIMIT ?`)
    .all(limit) as unknown as TaskRow[];
  return rows.map(toTask);
}
