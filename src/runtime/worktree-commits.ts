import { CcmError } from "../errors.js";
import { git, gitFailure, gitRun, identityArgs, NO_HOOKS, resolveCommit } from "./git.js";

/**
 * Commits everything the agent left in its worktree (new files included, ignored ones not) and returns the
 * new commit, or null when there was nothing to commit. Hooks are skipped: this is ccm's bookkeeping commit,
 * not the user's, and hook files are writable by the agent.
 */
export async function checkpointCommit(worktree: string, message: string): Promise<string | null> {
  if (message.trim() === "") throw new CcmError("INVALID_ARGUMENT", "checkpoint commit message is empty");
  await git(worktree, ["add", "--all"]);
  const staged = await gitRun(worktree, ["diff", "--cached", "--quiet"]);
  if (staged.exitCode === 0) return null;
  if (staged.exitCode !== 1) throw gitFailure(worktree, ["diff", "--cached", "--quiet"], staged);
  const identity = await identityArgs(worktree);
  await git(worktree, [...NO_HOOKS, ...identity, "commit", "--quiet", "--no-verify", "-m", message]);
  return git(worktree, ["rev-parse", "HEAD"]);
}

export interface CommitSummary {
  sha: string;
  subject: string;
}

/** The commits on the worktree's HEAD that `baseCommit` does not have, oldest first. */
export async function commitsSince(worktree: string, baseCommit: string): Promise<CommitSummary[]> {
  const base = await resolveCommit(worktree, baseCommit);
  if (base === null) {
    throw new CcmError("INVALID_ARGUMENT", `${baseCommit} is not a commit in ${worktree}`);
  }
  const args = ["log", "-z", "--reverse", "--format=%H%x09%s", "--end-of-options", `${base}..HEAD`];
  const result = await gitRun(worktree, args);
  if (result.exitCode !== 0) throw gitFailure(worktree, args, result);
  return result.stdout
    .split("\0")
    .filter((record) => record.trim() !== "")
    .map((record) => {
      const tab = record.indexOf("\t");
      return { sha: record.slice(0, tab).trim(), subject: record.slice(tab + 1) };
    });
}

export interface DiffOptions {
  /** A per-file summary (`--stat`) instead of the patch. */
  stat?: boolean;
}

/**
 * Everything `branch` changed since it left `baseRef` (`base...branch`: against the merge base, so work that
 * landed on the base meanwhile does not show up reversed). External diff and textconv programs are off: they
 * come from config an agent can edit.
 */
export async function diff(
  repo: string,
  baseRef: string,
  branch: string,
  options: DiffOptions = {},
): Promise<string> {
  for (const ref of [baseRef, branch]) {
    if ((await resolveCommit(repo, ref)) === null) {
      throw new CcmError("INVALID_ARGUMENT", `${ref} does not name a commit in ${repo}`, {
        details: { reason: "unknown-ref", ref },
      });
    }
  }
  const args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", ...(options.stat ? ["--stat"] : [])];
  const result = await gitRun(repo, [...args, "--end-of-options", `${baseRef}...${branch}`]);
  if (result.exitCode !== 0) throw gitFailure(repo, args, result);
  return result.stdout;
}
