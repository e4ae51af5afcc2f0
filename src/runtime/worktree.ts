import { mkdir, readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CcmError } from "../errors.js";
import { branchCommit, git, gitFailure, gitRun, isAncestor, NO_HOOKS, repoRoot } from "./git.js";
import { listWorktrees, worktreeState } from "./git-worktrees.js";
import { samePath } from "./same-path.js";

export { checkpointCommit, commitsSince, diff } from "./worktree-commits.js";
export { copyWorktreeIncludes } from "./worktree-include.js";
export { runSetup } from "./worktree-setup.js";

/** Checking out a large repository takes a while; git's default call timeout is for quick commands. */
const CHECKOUT_TIMEOUT_MS = 10 * 60_000;

export interface CreateTaskWorktreeOptions {
  repo: string;
  taskId: number;
  baseBranch: string;
  /** Folder holding every task worktree of the project; created when missing. */
  worktreesDir: string;
}

export interface TaskWorktree {
  path: string;
  branch: string;
  /** The commit the task branch started from: diffs and commit lists are taken against it. */
  baseCommit: string;
}

export function taskBranchName(taskId: number): string {
  return `ccm/task-${taskId}`;
}

/**
 * A worktree at `<worktreesDir>/task-<id>` on a new branch `ccm/task-<id>` from the base branch's current
 * commit. Safe to call again after a crash: an existing worktree for this task on its branch is adopted, and
 * a leftover branch with no work of its own (git leaves one behind when `worktree add -b` fails) is reused.
 */
export async function createTaskWorktree(options: CreateTaskWorktreeOptions): Promise<TaskWorktree> {
  const { taskId, baseBranch } = options;
  if (!Number.isSafeInteger(taskId) || taskId <= 0) {
    throw new CcmError("INVALID_ARGUMENT", `task id must be a positive integer, got ${taskId}`);
  }
  const repo = await repoRoot(options.repo);
  const branch = taskBranchName(taskId);
  const path = resolve(options.worktreesDir, `task-${taskId}`);
  const worktrees = await listWorktrees(repo);
  const registered = worktrees.find((w) => samePath(w.path, path));

  if (registered && !registered.prunable) {
    if (registered.branch !== branch) {
      throw new CcmError(
        "INVALID_ARGUMENT",
        `${path} is already a worktree on ${registered.branch ?? "a detached HEAD"}`,
        {
          hint: `Remove it (git worktree remove ${path}) or choose another worktrees folder.`,
          details: { reason: "path-taken", path },
        },
      );
    }
    return { path, branch, baseCommit: await forkPoint(repo, baseBranch, branch) };
  }
  // The folder was deleted by hand: git still counts the branch as checked out there until pruned.
  if (registered?.prunable) await git(repo, ["worktree", "prune"]);

  const baseCommit = await branchCommit(repo, baseBranch);
  if (baseCommit === null) throw missingBase(repo, baseBranch);
  if (!(await isFreeDirectory(path))) {
    throw new CcmError("INVALID_ARGUMENT", `${path} already exists and is not an empty folder`, {
      hint: "Move or delete it, or choose another worktrees folder.",
      details: { reason: "path-taken", path },
    });
  }
  const holder = worktrees.find((w) => w.branch === branch && !w.prunable);
  if (holder) {
    throw new CcmError("INVALID_ARGUMENT", `branch ${branch} is already checked out at ${holder.path}`, {
      hint: `Remove that worktree (git worktree remove ${holder.path}) and retry.`,
      details: { reason: "branch-in-use", branch, path: holder.path },
    });
  }
  const existingTip = await branchCommit(repo, branch);
  if (existingTip !== null && !(await isAncestor(repo, existingTip, baseCommit))) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `branch ${branch} already exists with commits not on ${baseBranch}`,
      {
        hint: `Inspect it (git log ${baseBranch}..${branch}); delete it (git branch -D ${branch}) if it is not needed.`,
        details: { reason: "branch-exists", branch, tip: existingTip },
      },
    );
  }

  await mkdir(options.worktreesDir, { recursive: true });
  // -B, not -b, for a leftover branch: it holds nothing of its own (checked above), so moving it is safe.
  // No post-checkout hook: hook files are shared by all worktrees and writable by earlier tasks' agents;
  // the project's setup command is the place for per-worktree preparation.
  const create = existingTip === null ? "-b" : "-B";
  const args = [...NO_HOOKS, "worktree", "add", "--quiet", "--no-track", create, branch, path, baseCommit];
  const result = await gitRun(repo, args, { timeoutMs: CHECKOUT_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    // `worktree add -b` creates the branch before it checks the path; do not leave it behind.
    if (existingTip === null) await gitRun(repo, ["branch", "-D", branch]).catch(() => undefined);
    throw gitFailure(repo, args, result);
  }
  return { path, branch, baseCommit };
}

export interface RemoveWorktreeOptions {
  /** Also remove a worktree with uncommitted changes or untracked files (and a locked one). */
  force?: boolean;
}

/**
 * Removes a task worktree and prunes stale entries. The branch stays (merging or deleting it is a separate
 * decision). Note that git deletes ignored files (`.env`, `node_modules`) with the folder without asking.
 */
export async function removeWorktree(
  repo: string,
  path: string,
  options: RemoveWorktreeOptions = {},
): Promise<void> {
  const worktrees = await listWorktrees(repo);
  const index = worktrees.findIndex((w) => samePath(w.path, path));
  const entry = worktrees[index];
  if (index === 0) {
    throw new CcmError("INVALID_ARGUMENT", `${path} is the main worktree of the repository`, {
      details: { reason: "main-worktree", path },
    });
  }
  if (!entry || entry.prunable) {
    await git(repo, ["worktree", "prune"]);
    if (entry || !(await exists(path))) return;
    throw new CcmError("INVALID_ARGUMENT", `${path} is not a worktree of ${repo}`, {
      details: { reason: "not-a-worktree", path },
    });
  }
  if (!options.force) {
    const state = await worktreeState(entry.path);
    const pending = [...state.changed, ...state.untracked];
    if (pending.length > 0 || state.operation !== null) {
      throw new CcmError(
        "INVALID_ARGUMENT",
        `${path} has uncommitted work (${describe(pending, state.operation)})`,
        {
          hint: "Commit it first (checkpoint), or remove with force to discard it.",
          details: { reason: "dirty", path, files: pending, operation: state.operation },
        },
      );
    }
  }
  // One --force discards changes; a second also overrides a lock.
  await git(repo, ["worktree", "remove", ...(options.force ? ["--force", "--force"] : []), entry.path]);
  await git(repo, ["worktree", "prune"]);
}

/** The branch checked out in the worktree at `path`, or null when its HEAD is detached. */
export async function worktreeHead(path: string): Promise<string | null> {
  const args = ["symbolic-ref", "--quiet", "--short", "HEAD"];
  const result = await gitRun(path, args);
  if (result.exitCode === 0) return result.stdout.trim();
  // Exit 1 without a message is "detached"; 128 is "not a repository" and similar real failures.
  if (result.exitCode === 1 && result.stderr.trim() === "") return null;
  throw gitFailure(path, args, result);
}

async function forkPoint(repo: string, baseBranch: string, branch: string): Promise<string> {
  if ((await branchCommit(repo, baseBranch)) === null) throw missingBase(repo, baseBranch);
  return git(repo, ["merge-base", `refs/heads/${baseBranch}`, `refs/heads/${branch}`]);
}

function missingBase(repo: string, baseBranch: string): CcmError {
  return new CcmError("INVALID_ARGUMENT", `base branch ${baseBranch} does not exist in ${repo}`, {
    hint: "Create it or set the project's base branch to an existing branch.",
    details: { reason: "base-missing", baseBranch },
  });
}

/** git accepts a missing path or an empty folder for a new worktree; anything else it refuses. */
async function isFreeDirectory(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isDirectory() && (await readdir(path)).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function describe(files: string[], operation: string | null): string {
  const parts = files.slice(0, 3);
  if (files.length > 3) parts.push(`and ${files.length - 3} more`);
  if (operation) parts.push(`${operation} in progress`);
  return parts.join(", ");
}
