import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { decideWorktree, type WorktreeDecision } from "../core/cleanup-policy.js";
import { CcmError } from "../errors.js";
import { branchCommit, git, gitRun } from "../runtime/git.js";
import { listWorktrees, worktreeState } from "../runtime/git-worktrees.js";
import { samePath } from "../runtime/same-path.js";
import { checkpointCommit, removeWorktree } from "../runtime/worktree.js";
import { activeAgentRuns } from "../store/agents.js";
import type { Store } from "../store/db.js";
import { insertEvents } from "../store/events.js";
import { listProjects } from "../store/projects.js";
import { setSetting } from "../store/settings.js";
import { snapshotsForTask } from "../store/snapshots.js";
import { findTask, listTasks, type Task } from "../store/tasks.js";
import { takeSnapshot } from "./snapshots.js";

/**
 * `ccm cleanup` and the daemon's periodic run: old task worktrees (core/cleanup-policy.ts decides which),
 * `git worktree prune` leftovers, and run folders of long-finished tasks. Uncommitted work is committed
 * onto the task branch and unmerged work snapshotted before anything is removed.
 */

export const CLEANUP_LAST_RUN = "cleanup.last_run_at";

export interface CleanupItem {
  kind: "worktree" | "prune" | "run-dir";
  taskId: number | null;
  path: string;
  action: "remove" | "keep";
  reason: string;
  /** What was (or, in a dry run, would be) done first. */
  checkpoint?: boolean;
  snapshot?: boolean;
  deleteBranch?: boolean;
  /** After a real run: what happened. */
  done?: boolean;
  error?: string;
  snapshotRef?: string;
  branchDeleted?: boolean;
}

export interface CleanupRunOptions {
  dryRun?: boolean;
  force?: boolean;
  /** Overrides safety.cleanup.worktree_max_age_days. */
  olderThanDays?: number;
  now?: number;
}

export interface CleanupDeps {
  store: Store;
  /** $CCM_HOME/runs: one folder per task. */
  runsDir: string;
  maxAgeDays: number;
  actor?: string;
}

export interface CleanupReport {
  dryRun: boolean;
  items: CleanupItem[];
  removed: number;
  kept: number;
}

const FINISHED = ["merged", "rejected", "cancelled", "failed"];
const DAY = 24 * 60 * 60 * 1000;

export async function runCleanup(deps: CleanupDeps, options: CleanupRunOptions = {}): Promise<CleanupReport> {
  const { store } = deps;
  const now = options.now ?? store.clock();
  const maxAgeDays = options.olderThanDays ?? deps.maxAgeDays;
  if (!(maxAgeDays >= 0)) throw new CcmError("INVALID_ARGUMENT", "--older-than must be 0 or more days");
  const dryRun = options.dryRun ?? false;
  const working = new Set(activeAgentRuns(store).map((r) => r.taskId));
  const items: CleanupItem[] = [];

  const projects = new Map(listProjects(store).map((p) => [p.id, p.path]));
  const tasks = listTasks(store).tasks.filter((t) => t.worktreePath && existsSync(t.worktreePath));
  for (const task of tasks) {
    const repo = projects.get(task.projectId);
    if (!repo || !existsSync(repo)) continue;
    const item = await planWorktree(store, task, repo, {
      now,
      maxAgeDays,
      force: options.force ?? false,
      working: working.has(task.id),
    }).catch(
      (error: unknown): CleanupItem => ({
        kind: "worktree",
        taskId: task.id,
        path: task.worktreePath!,
        action: "keep",
        reason: `could not inspect it: ${(error as Error).message}`,
      }),
    );
    items.push(item);
    if (!dryRun && item.action === "remove") await removeTaskWorktree(store, task, repo, item, deps.actor);
  }

  for (const repo of new Set(projects.values())) {
    if (!existsSync(repo)) continue;
    const listed = await gitRun(repo, ["worktree", "prune", "--dry-run", "--verbose"]);
    const leftovers = `${listed.stdout}${listed.stderr}`.split("\n").filter((l) => l.startsWith("Removing "));
    for (const line of leftovers) {
      items.push({
        kind: "prune",
        taskId: null,
        path: join(repo, ".git", line.slice("Removing ".length, line.indexOf(":"))),
        action: "remove",
        reason: line.slice(line.indexOf(":") + 1).trim() || "stale worktree entry",
      });
    }
    if (leftovers.length > 0 && !dryRun) {
      const pruned = await gitRun(repo, ["worktree", "prune"]);
      for (const item of items.slice(-leftovers.length)) item.done = pruned.exitCode === 0;
    }
  }

  for (const item of planRunDirs(store, deps.runsDir, { now, maxAgeDays, working })) {
    items.push(item);
    if (!dryRun && item.action === "remove") {
      try {
        rmSync(item.path, { recursive: true, force: true });
        item.done = true;
      } catch (error) {
        item.error = (error as Error).message;
      }
    }
  }

  if (!dryRun) setSetting(store, CLEANUP_LAST_RUN, String(now));
  const removed = items.filter((i) => i.action === "remove" && (dryRun || i.done)).length;
  return { dryRun, items, removed, kept: items.filter((i) => i.action === "keep").length };
}

async function planWorktree(
  store: Store,
  task: Task,
  repo: string,
  o: { now: number; maxAgeDays: number; force: boolean; working: boolean },
): Promise<CleanupItem> {
  const path = task.worktreePath!;
  const base: CleanupItem = { kind: "worktree", taskId: task.id, path, action: "keep", reason: "" };
  if (o.working) return { ...base, reason: "an agent is working in it" };
  const branch = task.branch ?? `ccm/task-${task.id}`;
  const entry = (await listWorktrees(repo)).find((w) => samePath(w.path, path));
  if (!entry || entry.prunable) return { ...base, reason: "not a registered worktree of the project" };
  const state = await worktreeState(path);
  const tip = await branchCommit(repo, branch);
  let unmerged = 0;
  if (tip !== null && task.baseBranch) {
    const count = await gitRun(repo, [
      "rev-list",
      "--count",
      "--end-of-options",
      `refs/heads/${task.baseBranch}..${tip}`,
    ]);
    // No base branch any more: count everything since the task's start as unmerged.
    unmerged =
      count.exitCode === 0
        ? Number(count.stdout.trim())
        : task.baseCommit
          ? Number((await git(repo, ["rev-list", "--count", `${task.baseCommit}..${tip}`])).trim())
          : 1;
  }
  const snapshots = snapshotsForTask(store, task.id);
  const decision: WorktreeDecision = decideWorktree(
    {
      taskId: task.id,
      state: task.state,
      since: task.finishedAt ?? task.updatedAt,
      branch,
      onTaskBranch: entry.branch === branch,
      uncommitted: state.changed.length + state.untracked.length,
      operation: state.operation,
      locked: entry.locked,
      unmerged,
      tipSnapshotted: tip !== null && snapshots.some((s) => s.commit === tip),
    },
    { now: o.now, maxAgeDays: o.maxAgeDays, force: o.force },
  );
  if (decision.action === "keep") return { ...base, reason: decision.reason };
  return {
    ...base,
    action: "remove",
    reason: decision.reason,
    checkpoint: decision.checkpoint,
    snapshot: decision.snapshot,
    deleteBranch: decision.deleteBranch,
  };
}

/** Carries out one removal; any failure keeps the worktree and is reported on the item. */
async function removeTaskWorktree(
  store: Store,
  task: Task,
  repo: string,
  item: CleanupItem,
  actor = "cleanup",
): Promise<void> {
  const branch = task.branch ?? `ccm/task-${task.id}`;
  try {
    if (item.checkpoint) {
      await checkpointCommit(item.path, `ccm: checkpoint before cleanup (task #${task.id})`);
    }
    const tip = await branchCommit(repo, branch);
    if (item.snapshot && tip !== null) {
      const snapshot = await takeSnapshot(store, task, "before cleanup", { commit: tip });
      // The ref must hold the tip before anything goes.
      const held = snapshot ? await git(repo, ["rev-parse", "--verify", `${snapshot.ref}^{commit}`]) : null;
      if (!snapshot || held !== tip) throw new CcmError("INTERNAL", `no snapshot ref holds ${tip}; kept`);
      item.snapshotRef = snapshot.ref;
    }
    const state = await worktreeState(item.path);
    if (state.changed.length + state.untracked.length > 0) {
      throw new CcmError("INTERNAL", "files changed in it while cleaning up; kept");
    }
    await removeWorktree(repo, item.path, { force: true });
    if (item.deleteBranch && tip !== null) {
      const deleted = await gitRun(repo, ["update-ref", "-d", `refs/heads/${branch}`, tip]);
      item.branchDeleted = deleted.exitCode === 0;
    }
    item.done = true;
    insertEvents(store, [
      {
        taskId: task.id,
        agentId: null,
        source: "daemon",
        event: "cleanup",
        payload: {
          actor,
          worktree: item.path,
          reason: item.reason,
          snapshot: item.snapshotRef ?? null,
          branchDeleted: item.branchDeleted ?? false,
        },
      },
    ]);
  } catch (error) {
    item.done = false;
    item.error = (error as Error).message;
  }
}

/** Run folders ($CCM_HOME/runs/task-<id>) of tasks long finished, or of tasks the database no longer has. */
function planRunDirs(
  store: Store,
  runsDir: string,
  o: { now: number; maxAgeDays: number; working: Set<number> },
): CleanupItem[] {
  let names: string[];
  try {
    names = readdirSync(runsDir);
  } catch {
    return [];
  }
  const items: CleanupItem[] = [];
  for (const name of names) {
    const id = /^task-(\d+)$/.exec(name)?.[1];
    if (!id) continue;
    const path = join(runsDir, name);
    const task = findTask(store, Number(id));
    if (o.working.has(Number(id))) continue;
    if (!task) {
      const age = (o.now - statSync(path).mtimeMs) / DAY;
      if (age >= o.maxAgeDays)
        items.push({ kind: "run-dir", taskId: Number(id), path, action: "remove", reason: "no such task" });
      continue;
    }
    if (!FINISHED.includes(task.state)) continue;
    if (task.worktreePath && existsSync(task.worktreePath)) continue; // logs stay while the worktree does
    const age = (o.now - (task.finishedAt ?? task.updatedAt)) / DAY;
    if (age < o.maxAgeDays) continue;
    items.push({
      kind: "run-dir",
      taskId: task.id,
      path,
      action: "remove",
      reason: `logs of a task ${task.state} ${Math.floor(age)} day(s) ago`,
    });
  }
  return items;
}
