import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { git, gitFailure, gitRun } from "./git.js";

export interface WorktreeInfo {
  /** Absolute path as git records it. */
  path: string;
  head: string | null;
  /** Short branch name (`main`, `ccm/task-7`), or null when detached or bare. */
  branch: string | null;
  locked: boolean;
  /** Registered but its directory is gone: `git worktree prune` would drop it. */
  prunable: boolean;
}

/** Every worktree of the repository, main worktree first (`worktree list --porcelain -z`). */
export async function listWorktrees(repo: string): Promise<WorktreeInfo[]> {
  const args = ["worktree", "list", "--porcelain", "-z"];
  const result = await gitRun(repo, args);
  if (result.exitCode !== 0) throw gitFailure(repo, args, result);
  const worktrees: WorktreeInfo[] = [];
  let current: WorktreeInfo | undefined;
  for (const field of result.stdout.split("\0")) {
    if (field === "") {
      current = undefined;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      current = { path: value, head: null, branch: null, locked: false, prunable: false };
      worktrees.push(current);
    } else if (current && key === "HEAD") {
      current.head = value;
    } else if (current && key === "branch") {
      current.branch = value.replace(/^refs\/heads\//, "");
    } else if (current && key === "locked") {
      current.locked = true;
    } else if (current && key === "prunable") {
      current.prunable = true;
    }
  }
  return worktrees;
}

export interface WorktreeState {
  /** Staged or unstaged changes to tracked files (and staged new files). */
  changed: string[];
  untracked: string[];
  /** A merge, rebase, cherry-pick, revert or bisect left in progress, or null. */
  operation: string | null;
}

const OPERATIONS = [
  "MERGE_HEAD",
  "rebase-merge",
  "rebase-apply",
  "CHERRY_PICK_HEAD",
  "REVERT_HEAD",
  "BISECT_LOG",
];

/**
 * What is uncommitted in a worktree (untracked files too unless `untracked: false`, which is cheaper in a
 * big checkout). `--no-optional-locks` keeps status from rewriting the user's index (and from racing their
 * own git commands for index.lock).
 */
export async function worktreeState(
  path: string,
  options: { untracked?: boolean } = {},
): Promise<WorktreeState> {
  const untrackedFiles = options.untracked === false ? "no" : "all";
  const args = [
    "--no-optional-locks",
    "status",
    "--porcelain=v1",
    "-z",
    `--untracked-files=${untrackedFiles}`,
  ];
  const status = await gitRun(path, args);
  if (status.exitCode !== 0) throw gitFailure(path, args, status);
  const changed: string[] = [];
  const untracked: string[] = [];
  const entries = status.stdout.split("\0");
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    const code = entry.slice(0, 2);
    const file = entry.slice(3);
    if (code === "??") untracked.push(file);
    else changed.push(file);
    // Renames and copies carry their source path as the next field.
    if (code.includes("R") || code.includes("C")) i++;
  }
  const paths = (await git(path, ["rev-parse", ...OPERATIONS.flatMap((name) => ["--git-path", name])])).split(
    "\n",
  );
  const index = paths.findIndex((p) => existsSync(resolve(path, p)));
  return { changed, untracked, operation: index === -1 ? null : (OPERATIONS[index] ?? null) };
}
