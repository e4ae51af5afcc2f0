import { existsSync } from "node:fs";
import { RUNNING_STATES } from "../core/task-state.js";
import { CcmError } from "../errors.js";
import { branchCommit, git, gitRun, NO_HOOKS, resolveCommit } from "../runtime/git.js";
import { listWorktrees, worktreeState } from "../runtime/git-worktrees.js";
import { samePath } from "../runtime/same-path.js";
import {
  createSnapshotRef,
  highestSnapshotRef,
  snapshotRef,
  worktreeSnapshotCommit,
} from "../runtime/snapshot-refs.js";
import type { Store } from "../store/db.js";
import { insertEvents } from "../store/events.js";
import { getProjectById } from "../store/projects.js";
import { keepTaskCommits } from "../store/records.js";
import { maxSnapshotNumber, recordSnapshot, type Snapshot, snapshotsForTask } from "../store/snapshots.js";
import { getTask, type Task } from "../store/tasks.js";

/** Snapshots and rollback of a task branch. Shared by the CLI, the daemon and cleanup. */

function projectPath(store: Store, task: Task): string {
  const project = getProjectById(store, task.projectId);
  if (!project) {
    throw new CcmError("PROJECT_NOT_FOUND", `task #${task.id}'s project is no longer registered`, {
      hint: "Add it again with `ccm project add PATH`.",
    });
  }
  return project.path;
}

function branchOf(task: Task): string {
  return task.branch ?? `ccm/task-${task.id}`;
}

export interface TakeSnapshotOptions {
  /** What to keep; default the task branch's tip. */
  commit?: string;
  /** Make a new ref even when the newest snapshot already holds this commit. */
  always?: boolean;
}

/**
 * Creates `refs/ccm/snapshots/task-<id>/<n>` (n one higher than any existing, in git or in the database)
 * and records it. Returns null when there is nothing to keep (no branch); the newest snapshot when it
 * already holds the commit.
 */
export async function takeSnapshot(
  store: Store,
  task: Task,
  reason: string,
  options: TakeSnapshotOptions = {},
): Promise<Snapshot | null> {
  const repo = projectPath(store, task);
  const commit = options.commit ?? (await branchCommit(repo, branchOf(task)));
  if (commit === null) return null;
  const latest = snapshotsForTask(store, task.id).at(-1);
  if (!options.always && latest?.commit === commit) return latest;
  for (let attempt = 0; ; attempt++) {
    const n = Math.max(maxSnapshotNumber(store, task.id), await highestSnapshotRef(repo, task.id)) + 1;
    const ref = snapshotRef(task.id, n);
    try {
      await createSnapshotRef(repo, ref, commit, `task #${task.id}: ${reason}`);
    } catch (error) {
      // Another process (the daemon, a CLI) took this number first: take the next one.
      if (attempt < 3) continue;
      throw error;
    }
    return recordSnapshot(store, { taskId: task.id, n, ref, commit, reason });
  }
}

/** A snapshot of the branch when it holds work of its own (commits since its base); else null. */
export async function snapshotIfWork(store: Store, task: Task, reason: string): Promise<Snapshot | null> {
  if (!task.baseCommit) return null;
  const repo = projectPath(store, task);
  const tip = await branchCommit(repo, branchOf(task));
  if (tip === null || tip === task.baseCommit) return null;
  return takeSnapshot(store, task, reason, { commit: tip });
}

/**
 * A snapshot every `every` commits on the task branch: when the tip is `every` or more commits past the
 * newest snapshot (or past the base when there is none). Returns the snapshot taken, or null.
 */
export async function periodicSnapshot(store: Store, task: Task, every: number): Promise<Snapshot | null> {
  if (!task.baseCommit || !task.branch) return null;
  const repo = projectPath(store, task);
  const tip = await branchCommit(repo, task.branch);
  if (tip === null) return null;
  const latest = snapshotsForTask(store, task.id).at(-1);
  const from = latest && (await resolveCommit(repo, latest.commit)) ? latest.commit : task.baseCommit;
  const count = await gitRun(repo, ["rev-list", "--count", "--end-of-options", `${from}..${tip}`]);
  const ahead = Number(count.stdout.trim());
  if (count.exitCode !== 0 || !(ahead >= every)) return null;
  return takeSnapshot(store, task, `every ${every} commits`, { commit: tip });
}

export function listSnapshots(store: Store, id: number): { task: Task; snapshots: Snapshot[] } {
  const task = getTask(store, id);
  return { task, snapshots: snapshotsForTask(store, id) };
}

export interface RollbackOptions {
  /** Snapshot number; default the newest snapshot that is not the branch's current tip. */
  to?: number;
  /** Roll back a worktree with uncommitted work (it is snapshotted first, untracked files included). */
  force?: boolean;
}

export interface RollbackResult {
  task: Task;
  branch: string;
  from: string | null;
  to: Snapshot;
  /** The snapshot taken of the state rolled back from. */
  saved: Snapshot | null;
  worktreeReset: boolean;
}

/**
 * Resets the task branch (and its worktree, when it has one on that branch) to a snapshot. The state left
 * behind is snapshotted first, so a rollback can itself be rolled back. Nothing but the task's own branch
 * moves: a worktree on another branch, or the branch checked out elsewhere, is refused.
 */
export async function rollbackTask(
  store: Store,
  id: number,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const task = getTask(store, id);
  if ((RUNNING_STATES as readonly string[]).includes(task.state)) {
    throw new CcmError("INVALID_TRANSITION", `task #${id} is ${task.state}: its agent is working`, {
      hint: `Wait until it stops, or pause/cancel it first (ccm task cancel ${id}).`,
    });
  }
  if (task.state === "merged") {
    throw new CcmError(
      "INVALID_TRANSITION",
      `task #${id} is merged; rolling back its branch would undo nothing`,
      {
        hint: "Revert the merge on the base branch instead.",
      },
    );
  }
  const repo = projectPath(store, task);
  const branch = branchOf(task);
  const snapshots = snapshotsForTask(store, id);
  if (snapshots.length === 0) {
    throw new CcmError("INVALID_ARGUMENT", `task #${id} has no snapshots`, {
      hint: "Snapshots are taken every safety.snapshots.every_commits commits and before risky steps.",
    });
  }
  const from = await branchCommit(repo, branch);
  const target =
    options.to === undefined
      ? [...snapshots].reverse().find((s) => s.commit !== from)
      : snapshots.find((s) => s.n === options.to);
  if (!target) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      options.to === undefined
        ? `every snapshot of task #${id} is the branch's current tip: nothing to roll back to`
        : `task #${id} has no snapshot ${options.to}`,
      { hint: `List them with \`ccm task snapshots ${id}\`.` },
    );
  }
  if ((await resolveCommit(repo, target.commit)) === null) {
    throw new CcmError("INVALID_ARGUMENT", `snapshot ${target.n} names ${target.commit}, which is gone`, {
      hint: `Check \`git for-each-ref refs/ccm/snapshots/task-${id}/\` in ${repo}.`,
    });
  }

  const holders = (await listWorktrees(repo)).filter((w) => w.branch === branch && !w.prunable);
  const worktree =
    task.worktreePath && existsSync(task.worktreePath)
      ? (await listWorktrees(repo)).find((w) => samePath(w.path, task.worktreePath!) && !w.prunable)
      : undefined;
  const foreign = holders.find((h) => !worktree || !samePath(h.path, worktree.path));
  if (foreign) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `${branch} is checked out in ${foreign.path}, not the task's worktree`,
      {
        hint: "Switch that checkout to another branch, then roll back.",
      },
    );
  }

  let saved: Snapshot | null = null;
  if (worktree) {
    if (worktree.branch !== branch) {
      throw new CcmError(
        "INVALID_ARGUMENT",
        `the task's worktree ${worktree.path} is on ${worktree.branch ?? "a detached HEAD"}, not ${branch}`,
        { hint: `Check it out again (git -C ${worktree.path} switch ${branch}), then roll back.` },
      );
    }
    const state = await worktreeState(worktree.path);
    if (state.operation) {
      throw new CcmError("INVALID_ARGUMENT", `${worktree.path} has a ${state.operation} in progress`, {
        hint: "Finish or abort it first.",
      });
    }
    const pending = [...state.changed, ...state.untracked];
    if (pending.length > 0 && !options.force) {
      throw new CcmError(
        "INVALID_ARGUMENT",
        `${worktree.path} has uncommitted work (${pending.slice(0, 3).join(", ")}${pending.length > 3 ? ", …" : ""})`,
        {
          hint: `Commit it, or pass --force: it is snapshotted first (untracked files included), then discarded.`,
          details: { files: pending },
        },
      );
    }
    const keep =
      pending.length > 0
        ? await worktreeSnapshotCommit(worktree.path, `ccm: uncommitted work of task #${id} before rollback`)
        : (from ?? undefined);
    if (keep) saved = await takeSnapshot(store, task, `before rollback to ${target.n}`, { commit: keep });
    await git(worktree.path, [...NO_HOOKS, "reset", "--hard", "--quiet", target.commit]);
    if (pending.length > 0) await git(worktree.path, ["clean", "-fd", "--quiet"]);
  } else {
    if (from) saved = await takeSnapshot(store, task, `before rollback to ${target.n}`, { commit: from });
    const args = [
      "update-ref",
      "-m",
      `ccm: rollback task #${id} to snapshot ${target.n}`,
      `refs/heads/${branch}`,
      target.commit,
      from ?? "",
    ];
    const result = await gitRun(repo, args);
    if (result.exitCode !== 0) {
      throw new CcmError(
        "EXTERNAL_COMMAND",
        `${branch} changed during the rollback: ${result.stderr.trim()}`,
        {
          hint: "Run the rollback again.",
        },
      );
    }
  }
  if (task.baseCommit) {
    const onBranch = await git(repo, [
      "rev-list",
      "--end-of-options",
      `${task.baseCommit}..refs/heads/${branch}`,
    ]);
    keepTaskCommits(
      store,
      id,
      onBranch.split("\n").filter((l) => l !== ""),
    );
  }
  insertEvents(store, [
    {
      taskId: id,
      agentId: null,
      source: "daemon",
      event: "rollback",
      payload: { from, to: target.commit, snapshot: target.n, saved: saved?.n ?? null },
    },
  ]);
  return { task: getTask(store, id), branch, from, to: target, saved, worktreeReset: worktree !== undefined };
}
