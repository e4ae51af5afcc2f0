import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, gitFailure, gitRun, identityArgs, isAncestor, NO_HOOKS } from "./git.js";

/** The commit the base branch should move to, or the files that stop it. Nothing here touches a checkout. */
export type Computed = { kind: "commit"; sha: string } | { kind: "conflict"; files: string[] };

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const CHECKOUT_TIMEOUT_MS = 10 * 60_000;

/**
 * The merged tree of `old` and `tip`, computed in the object store only (`merge-tree --write-tree`, git
 * 2.38+): the user's index and files are never read or written.
 */
async function mergeTree(
  repo: string,
  old: string,
  tip: string,
): Promise<{ tree: string } | { files: string[] }> {
  const args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", old, tip];
  const result = await gitRun(repo, args);
  const [tree = "", ...rest] = result.stdout.split("\0");
  // Exit 1 also means "bad ref" in 2.39, so a conflict is only believed when line 1 is a tree id.
  if (result.exitCode > 1 || !OID.test(tree)) throw gitFailure(repo, args, result);
  if (result.exitCode === 0) return { tree };
  return { files: [...new Set(rest.map((line) => line.trim()).filter((line) => line !== ""))] };
}

/** A merge commit (`--no-ff`): parents `old` and `tip`. */
export async function computeMerge(
  repo: string,
  old: string,
  tip: string,
  message: string,
): Promise<Computed> {
  const merged = await mergeTree(repo, old, tip);
  if ("files" in merged) return { kind: "conflict", files: merged.files };
  const identity = await identityArgs(repo);
  const sha = await git(repo, [...identity, "commit-tree", merged.tree, "-p", old, "-p", tip, "-m", message]);
  return { kind: "commit", sha };
}

/** One commit on top of `old` holding everything the branch changed; no commit when it changes nothing. */
export async function computeSquash(
  repo: string,
  old: string,
  tip: string,
  message: string,
): Promise<Computed> {
  const merged = await mergeTree(repo, old, tip);
  if ("files" in merged) return { kind: "conflict", files: merged.files };
  if (merged.tree === (await git(repo, ["rev-parse", `${old}^{tree}`]))) return { kind: "commit", sha: old };
  const identity = await identityArgs(repo);
  const sha = await git(repo, [...identity, "commit-tree", merged.tree, "-p", old, "-m", message]);
  return { kind: "commit", sha };
}

/**
 * The branch's commits replayed one by one on `old`, merge commits dropped. git 2.39's merge-tree cannot
 * take the per-commit merge base a cherry-pick needs (`--merge-base` is 2.40), and the merge base it picks
 * itself conflicts on commits that edit their predecessor's lines, so this runs a real rebase in a throwaway
 * detached worktree: the task's own worktree and branch stay as they are, the user's checkout is not involved.
 */
export async function computeRebase(repo: string, old: string, tip: string): Promise<Computed> {
  const merges = await git(repo, ["rev-list", "--merges", `${old}..${tip}`]);
  if (merges === "" && (await isAncestor(repo, old, tip))) return { kind: "commit", sha: tip };

  const scratch = await mkdtemp(join(tmpdir(), "ccm-rebase-"));
  try {
    await git(repo, [...NO_HOOKS, "worktree", "add", "--quiet", "--detach", scratch, tip], {
      timeoutMs: CHECKOUT_TIMEOUT_MS,
    });
    const config = [
      ...NO_HOOKS,
      ...(await identityArgs(repo)),
      // User settings that would make the replay non-linear, touch other branches or stash things.
      ...["-c", "rebase.updateRefs=false", "-c", "rebase.rebaseMerges=false"],
      ...["-c", "rebase.autoSquash=false", "-c", "rebase.autoStash=false"],
    ];
    const args = [...config, "rebase", "--quiet", old];
    const result = await gitRun(scratch, args, {
      timeoutMs: CHECKOUT_TIMEOUT_MS,
      env: { GIT_EDITOR: "true" },
    });
    if (result.exitCode === 0) return { kind: "commit", sha: await git(scratch, ["rev-parse", "HEAD"]) };

    const unmerged = await gitRun(scratch, ["diff", "--name-only", "--diff-filter=U", "-z"]);
    const files = unmerged.stdout.split("\0").filter((file) => file !== "");
    await gitRun(scratch, ["rebase", "--abort"]);
    if (files.length === 0) throw gitFailure(scratch, args, result);
    return { kind: "conflict", files };
  } finally {
    await gitRun(repo, ["worktree", "remove", "--force", "--force", scratch]).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    await gitRun(repo, ["worktree", "prune"]).catch(() => undefined);
  }
}
