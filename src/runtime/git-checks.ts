import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import {
  changedRefs,
  type GitState,
  gitViolations,
  isWatchedConfigKey,
  type RefChange,
  refsInLog,
  type Violation,
} from "../core/git-checks.js";
import { git, gitRun, isAncestor } from "./git.js";

/**
 * Observes what the post-run checks compare (core/git-checks.ts): HEAD, branches and tags, watched config,
 * the hooks folder and submodules. A few git calls; run once before and once after each stage.
 */
export async function captureGitState(worktree: string): Promise<GitState> {
  const [head, headCommit, refs, config, paths, index, tree] = await Promise.all([
    gitRun(worktree, ["symbolic-ref", "--quiet", "HEAD"]),
    gitRun(worktree, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]),
    git(worktree, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags"]),
    gitRun(worktree, ["config", "--list", "-z", "--show-scope"]),
    git(worktree, ["rev-parse", "--path-format=absolute", "--git-common-dir", "--git-path", "modules"]),
    gitRun(worktree, ["ls-files", "--stage", "-z"]),
    gitRun(worktree, ["ls-tree", "-r", "-z", "HEAD"]),
  ]);
  const [commonDir = "", worktreeModules = ""] = paths.split("\n");
  const gitlinks = new Set<string>();
  for (const entry of index.stdout.split("\0")) {
    if (entry.startsWith("160000 ")) gitlinks.add(entry.slice(entry.indexOf("\t") + 1));
  }
  let headGitmodules: string | null = null;
  for (const entry of tree.stdout.split("\0")) {
    const path = entry.slice(entry.indexOf("\t") + 1);
    if (entry.startsWith("160000 commit ")) gitlinks.add(path);
    else if (path === ".gitmodules") headGitmodules = entry.split(/\s/)[2] ?? "";
  }
  const gitmodulesFile = join(worktree, ".gitmodules");
  const fileGitmodules = existsSync(gitmodulesFile)
    ? createHash("sha1").update(readFileSync(gitmodulesFile)).digest("hex")
    : null;
  return {
    head: head.exitCode === 0 ? head.stdout.trim() : null,
    headCommit: headCommit.exitCode === 0 ? headCommit.stdout.trim() : null,
    refs: Object.fromEntries(
      refs
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => {
          const space = l.lastIndexOf(" ");
          return [l.slice(0, space), l.slice(space + 1)];
        }),
    ),
    config: watchedConfig(config.stdout),
    hooks: listHooks(hooksFolder(commonDir, config.stdout, worktree)),
    gitlinks: [...gitlinks].sort(),
    gitmodules:
      fileGitmodules === null && headGitmodules === null
        ? null
        : `${fileGitmodules ?? "-"}:${headGitmodules ?? "-"}`,
    modulesDir: existsSync(join(commonDir, "modules")) || existsSync(worktreeModules),
  };
}

/** `scope key=value` for the watched keys; "command" scope is the agent's own environment (our backstops). */
function watchedConfig(listing: string): string[] {
  const out: string[] = [];
  const fields = listing.split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const scope = fields[i]!;
    const entry = fields[i + 1]!;
    const newline = entry.indexOf("\n");
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? "" : entry.slice(newline + 1);
    if (scope !== "command" && isWatchedConfigKey(key)) out.push(`${scope} ${key}=${value}`);
  }
  return out.sort();
}

/** The repository's own hooks folder: core.hooksPath from its config files, else <common>/hooks. */
function hooksFolder(commonDir: string, listing: string, worktree: string): string {
  let configured: string | undefined;
  const fields = listing.split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const entry = fields[i + 1]!;
    if (fields[i] !== "command" && entry.toLowerCase().startsWith("core.hookspath\n"))
      configured = entry.slice("core.hookspath\n".length);
  }
  if (!configured) return join(commonDir, "hooks");
  return isAbsolute(configured) ? configured : resolve(worktree, configured);
}

function listHooks(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const info = statSync(join(dir, name));
      out[name] = `${info.size}:${Math.round(info.mtimeMs)}:${info.mode & 0o777}`;
    } catch {
      // Vanished while listing.
    }
  }
  return out;
}

export interface PostRunCheck {
  violations: Violation[];
  after: GitState;
}

/** Compares the repository after a stage with the baseline taken before it. */
export async function checkAfterRun(options: {
  worktree: string;
  before: GitState;
  taskBranch: string;
  baseBranch: string;
  /** The run's reference-transaction log (refs its git moved); may be missing. */
  refLog?: string;
}): Promise<PostRunCheck> {
  const { worktree, before, taskBranch, baseBranch } = options;
  const after = await captureGitState(worktree);
  const changes: RefChange[] = [];
  for (const ref of changedRefs(before, after, taskBranch)) {
    const old = before.refs[ref] ?? null;
    const now = after.refs[ref] ?? null;
    const fastForward =
      old !== null && now !== null && (await isAncestor(worktree, old, now).catch(() => false));
    changes.push({ ref, before: old, after: now, fastForward });
  }
  let movedByTask = new Set<string>();
  if (options.refLog && existsSync(options.refLog))
    movedByTask = refsInLog(readFileSync(options.refLog, "utf8"));
  return {
    violations: gitViolations({ taskBranch, baseBranch, before, after, changes, movedByTask }),
    after,
  };
}
