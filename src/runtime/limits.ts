import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { WorktreeMeasure } from "../core/limits.js";
import { gitRun } from "./git.js";

/**
 * Sizes a worktree for the resource limits: one walk (readdir with types, lstat per file; symlinks are not
 * followed, the top-level `.git` is skipped) and one `git rev-list --count`. Cost is linear in the number
 * of files; `npm run bench` prints it.
 */
export async function measureWorktree(
  worktree: string,
  base: string,
  branch: string,
): Promise<WorktreeMeasure> {
  const [sizes, commits] = await Promise.all([
    walk(worktree),
    gitRun(worktree, ["rev-list", "--count", "--end-of-options", `${base}..refs/heads/${branch}`]),
  ]);
  return { ...sizes, commits: commits.exitCode === 0 ? Number(commits.stdout.trim()) || 0 : 0 };
}

async function walk(root: string): Promise<Omit<WorktreeMeasure, "commits">> {
  let bytes = 0;
  let files = 0;
  let largest: { path: string; bytes: number } | null = null;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile, or unreadable
    }
    const stats: Promise<void>[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (dir === root && entry.name === ".git") continue;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        stats.push(
          lstat(path).then(
            (info) => {
              bytes += info.size;
              files++;
              if (!largest || info.size > largest.bytes)
                largest = { path: relative(root, path), bytes: info.size };
            },
            () => undefined,
          ),
        );
      }
    }
    await Promise.all(stats);
  }
  return { bytes, files, largest };
}
