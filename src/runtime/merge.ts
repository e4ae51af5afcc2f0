import { CcmError } from "../errors.js";
import { branchCommit, gitRun, isAncestor, NO_HOOKS, repoRoot, resolveCommit } from "./git.js";
import { listWorktrees, worktreeState } from "./git-worktrees.js";
import { type Computed, computeMerge, computeRebase, computeSquash } from "./merge-compute.js";

export type MergeStrategy = "merge" | "squash" | "rebase";

export interface MergeTaskBranchOptions {
  repo: string;
  baseBranch: string;
  branch: string;
  strategy: MergeStrategy;
  /** Commit message for "merge" and "squash" (rebase keeps the task's own commits). */
  message?: string;
  /** Delete the task branch after a successful merge (only when no worktree has it checked out). */
  deleteBranch?: boolean;
}

export type MergeResult =
  | { ok: true; sha: string; strategy: MergeStrategy; branchDeleted: boolean }
  | { ok: false; conflict: true; files: string[] };

/**
 * Brings a task branch into the base branch. The result is computed without touching any checkout; only
 * then does the base branch move, in one step: by a fast-forward inside the worktree that has it checked
 * out (so the user's files follow, and only when that worktree has no uncommitted changes), otherwise by a
 * compare-and-swap `update-ref`. A conflict leaves everything as it was, so there is never a half-merged base.
 */
export async function mergeTaskBranch(options: MergeTaskBranchOptions): Promise<MergeResult> {
  const { baseBranch, branch, strategy } = options;
  const repo = await repoRoot(options.repo);
  if (baseBranch === branch) {
    throw new CcmError("INVALID_ARGUMENT", `cannot merge ${branch} into itself`);
  }
  const old = await branchCommit(repo, baseBranch);
  const tip = await branchCommit(repo, branch);
  for (const [name, sha] of [
    [baseBranch, old],
    [branch, tip],
  ] as const) {
    if (sha === null) {
      throw new CcmError("INVALID_ARGUMENT", `branch ${name} does not exist in ${repo}`, {
        details: { reason: "branch-missing", branch: name },
      });
    }
  }
  const computed = await compute(repo, old!, tip!, options);
  if (computed.kind === "conflict") return { ok: false, conflict: true, files: computed.files };
  if (computed.sha !== old)
    await moveBase(repo, baseBranch, old!, computed.sha, `ccm: ${strategy} ${branch}`);
  const branchDeleted = options.deleteBranch === true && (await deleteBranch(repo, branch, tip!));
  return { ok: true, sha: computed.sha, strategy, branchDeleted };
}

async function compute(
  repo: string,
  old: string,
  tip: string,
  options: MergeTaskBranchOptions,
): Promise<Computed> {
  // Already contained (merged before, or nothing done): nothing to add, whatever the strategy.
  if (await isAncestor(repo, tip, old)) return { kind: "commit", sha: old };
  const { strategy, branch, baseBranch } = options;
  switch (strategy) {
    case "merge":
      return computeMerge(repo, old, tip, options.message ?? `Merge branch '${branch}' into ${baseBranch}`);
    case "squash":
      return computeSquash(repo, old, tip, options.message ?? defaultSquashMessage(branch));
    case "rebase":
      return computeRebase(repo, old, tip);
    default:
      throw new CcmError("INVALID_ARGUMENT", `unknown merge strategy ${String(strategy satisfies never)}`);
  }
}

function defaultSquashMessage(branch: string): string {
  const id = /^ccm\/task-(\d+)$/.exec(branch)?.[1];
  return id === undefined ? `ccm: squash ${branch}` : `ccm: task #${id}`;
}

/** Moves `refs/heads/<base>` from `old` to `next`, or throws with the base branch untouched. */
async function moveBase(
  repo: string,
  base: string,
  old: string,
  next: string,
  reason: string,
): Promise<void> {
  const holders = (await listWorktrees(repo)).filter((w) => w.branch === base && !w.prunable);
  if (holders.length > 1) {
    throw new CcmError("INVALID_ARGUMENT", `${base} is checked out in several worktrees`, {
      hint: `Switch all but one of ${holders.map((w) => w.path).join(", ")} to another branch.`,
      details: { reason: "base-checked-out-twice", paths: holders.map((w) => w.path) },
    });
  }
  const holder = holders[0];
  if (holder === undefined) {
    // Nobody has the branch checked out, so moving the ref is the whole job. The old value makes it a
    // compare-and-swap: if someone moved the branch meanwhile, git refuses instead of dropping their work.
    const result = await gitRun(repo, ["update-ref", "-m", reason, `refs/heads/${base}`, next, old]);
    if (result.exitCode !== 0) throw baseMoved(base, result.stderr);
  } else {
    // Moving a checked-out branch's ref alone would leave the user's index at the old commit, showing the
    // merge reversed as staged changes; a fast-forward in their worktree updates the files with the ref.
    // Untracked files do not count: git refuses the fast-forward by itself if one is in the way.
    const state = await worktreeState(holder.path, { untracked: false });
    if (state.changed.length > 0 || state.operation !== null) {
      throw new CcmError("INVALID_ARGUMENT", `${base} has uncommitted changes in ${holder.path}`, {
        hint: `Commit or stash them (git -C ${holder.path} stash), then merge again.`,
        details: {
          reason: "base-dirty",
          path: holder.path,
          files: state.changed,
          operation: state.operation,
        },
      });
    }
    if ((await resolveCommit(holder.path, "HEAD")) !== old) throw baseMoved(base, "its HEAD moved");
    const result = await gitRun(holder.path, [...NO_HOOKS, "merge", "--ff-only", "--quiet", next]);
    if (result.exitCode !== 0) {
      // git checks for local files in the way before it moves anything, so the base is still at `old`.
      throw new CcmError(
        "INVALID_ARGUMENT",
        `could not update ${base} in ${holder.path}: ${firstLine(result.stderr)}`,
        {
          hint: "Move the files git names out of the way (or commit them), then merge again.",
          details: { reason: "base-update-refused", path: holder.path, stderr: result.stderr },
        },
      );
    }
  }
  const now = await branchCommit(repo, base);
  if (now !== next) {
    throw new CcmError("INTERNAL", `${base} is at ${now} after the merge, expected ${next}`);
  }
}

/** Deletes the task branch if it is still where we merged it from and no worktree has it checked out. */
async function deleteBranch(repo: string, branch: string, tip: string): Promise<boolean> {
  if ((await listWorktrees(repo)).some((w) => w.branch === branch && !w.prunable)) return false;
  const result = await gitRun(repo, ["update-ref", "-d", `refs/heads/${branch}`, tip]);
  if (result.exitCode === 0) await gitRun(repo, ["config", "--remove-section", `branch.${branch}`]);
  return result.exitCode === 0;
}

function baseMoved(base: string, detail: string): CcmError {
  return new CcmError("EXTERNAL_COMMAND", `${base} changed while merging (${firstLine(detail)})`, {
    hint: "Run the merge again.",
    details: { reason: "base-moved" },
  });
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
