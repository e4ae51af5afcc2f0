import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CcmError } from "../errors.js";
import { git, gitFailure, gitRun, identityArgs } from "./git.js";

/** Snapshot refs: `refs/ccm/snapshots/task-<id>/<n>`, shared by every worktree of the repository. */
export function snapshotRef(taskId: number, n: number): string {
  return `refs/ccm/snapshots/task-${taskId}/${n}`;
}

/** The highest snapshot number that exists as a ref for the task (0 when none). */
export async function highestSnapshotRef(repo: string, taskId: number): Promise<number> {
  const out = await git(repo, ["for-each-ref", "--format=%(refname)", `refs/ccm/snapshots/task-${taskId}/`]);
  let max = 0;
  for (const line of out.split("\n")) {
    const n = Number(line.slice(line.lastIndexOf("/") + 1));
    if (Number.isSafeInteger(n) && n > max) max = n;
  }
  return max;
}

/** Creates the ref (create-only: an existing ref is never overwritten), with a reflog entry saying why. */
export async function createSnapshotRef(
  repo: string,
  ref: string,
  commit: string,
  reason: string,
): Promise<void> {
  const args = ["update-ref", "--create-reflog", "-m", `ccm: ${reason}`, ref, commit, ""];
  const result = await gitRun(repo, args);
  if (result.exitCode !== 0) throw gitFailure(repo, args, result);
}

/**
 * A commit holding everything in the worktree right now (tracked changes and untracked files, ignored
 * ones not), parented on HEAD, made through a temporary index: the worktree, its index and HEAD are not
 * touched. Returns HEAD itself when nothing is uncommitted.
 */
export async function worktreeSnapshotCommit(worktree: string, message: string): Promise<string> {
  const head = await git(worktree, ["rev-parse", "--verify", "HEAD^{commit}"]);
  const indexFile = await git(worktree, ["rev-parse", "--path-format=absolute", "--git-path", "index"]);
  const dir = mkdtempSync(join(tmpdir(), "ccm-snap-"));
  try {
    const temporary = join(dir, "index");
    copyFileSync(indexFile, temporary);
    const env = { GIT_INDEX_FILE: temporary };
    await git(worktree, ["add", "--all"], { env });
    const tree = await git(worktree, ["write-tree"], { env });
    const headTree = await git(worktree, ["rev-parse", "HEAD^{tree}"]);
    if (tree === headTree) return head;
    const identity = await identityArgs(worktree);
    return await git(worktree, [...identity, "commit-tree", tree, "-p", head, "-m", message]);
  } catch (error) {
    throw error instanceof CcmError
      ? error
      : new CcmError("EXTERNAL_COMMAND", `could not snapshot ${worktree}`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
