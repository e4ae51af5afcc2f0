import { randomBytes } from "node:crypto";
import { chmod, copyFile, lstat, mkdir, readlink, realpath, rename, rm, symlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { gitFailure, gitRun, repoRoot } from "./git.js";

/** Claude Code's file of gitignore-style patterns naming local files every new worktree needs. */
export const WORKTREE_INCLUDE_FILE = ".worktreeinclude";

/**
 * Copies the files named by `.worktreeinclude` from the main checkout into a new worktree, as Claude Code
 * does: a file is copied only when it matches a pattern AND git ignores it, so tracked files (already in
 * the worktree) are never duplicated. Modes are kept; a symlink is recreated only when it points inside
 * the checkout, so a link cannot hand the agent a path outside the repository. Files already present in
 * the worktree are left alone (a retry after a crash does not clobber anything). Returns the copied paths.
 */
export async function copyWorktreeIncludes(repo: string, worktree: string): Promise<string[]> {
  const root = await realpath(await repoRoot(repo));
  const includeFile = join(root, WORKTREE_INCLUDE_FILE);
  if (!(await isFile(includeFile))) return [];

  const listArgs = ["ls-files", "-z", "--others", "--ignored", `--exclude-from=${includeFile}`];
  const listed = await gitRun(root, listArgs);
  if (listed.exitCode !== 0) throw gitFailure(root, listArgs, listed);
  // A trailing '/' marks a nested repository (e.g. another worktree) that ls-files does not enter.
  const candidates = listed.stdout.split("\0").filter((p) => p !== "" && !p.endsWith("/"));
  if (candidates.length === 0) return [];

  const checkArgs = ["check-ignore", "-z", "--stdin"];
  const checked = await gitRun(root, checkArgs, { input: `${candidates.join("\0")}\0` });
  if (checked.exitCode > 1) throw gitFailure(root, checkArgs, checked);
  const ignored = new Set(checked.stdout.split("\0"));

  const target = await realpath(worktree);
  const copied: string[] = [];
  for (const file of candidates) {
    if (!ignored.has(file)) continue;
    if (await copyOne(root, target, file)) copied.push(file);
  }
  return copied;
}

async function copyOne(root: string, worktree: string, file: string): Promise<boolean> {
  if (isAbsolute(file) || file.split("/").includes("..")) return false;
  const source = join(root, file);
  const destination = join(worktree, file);
  if (!inside(root, await realpath(dirname(source)))) return false;
  if (await exists(destination)) return false;
  const info = await lstat(source);

  let linkTarget: string | undefined;
  if (info.isSymbolicLink()) {
    const resolved = resolve(dirname(source), await readlink(source));
    const real = await realpath(resolved).catch(() => undefined);
    if (!inside(root, resolved) || real === undefined || !inside(root, real)) return false;
    // Relative, so the link points at the worktree's own copy rather than back into the main checkout.
    linkTarget = relative(dirname(source), resolved);
  } else if (!info.isFile()) {
    return false;
  }

  await mkdir(dirname(destination), { recursive: true });
  if (!inside(worktree, await realpath(dirname(destination)))) return false;
  if (linkTarget !== undefined) {
    await symlink(linkTarget, destination);
    return true;
  }
  // Copy under a temporary name, then rename: a crash never leaves a half-written file that a retry skips.
  const temporary = `${destination}.ccm-${randomBytes(4).toString("hex")}`;
  try {
    await copyFile(source, temporary);
    await chmod(temporary, info.mode & 0o7777);
    await rename(temporary, destination);
  } finally {
    await rm(temporary, { force: true });
  }
  return true;
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

async function isFile(path: string): Promise<boolean> {
  return lstat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
