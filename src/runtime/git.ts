import { existsSync } from "node:fs";
import { execa } from "execa";
import { CcmError } from "../errors.js";

const TIMEOUT_MS = 30_000;

/**
 * Variables that pin git to one repository, unset for everything ccm runs in a worktree: a daemon started
 * from inside a git hook would otherwise operate on the hook's repository whatever `cwd` says.
 */
export const UNSET_REPO_ENV: Record<string, undefined> = {
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_COMMON_DIR: undefined,
  GIT_OBJECT_DIRECTORY: undefined,
  GIT_PREFIX: undefined,
};

/** English messages (we match on stderr) and no credential prompts (the daemon has no terminal). */
const GIT_ENV: Record<string, string | undefined> = {
  ...UNSET_REPO_ENV,
  LC_ALL: "C",
  GIT_TERMINAL_PROMPT: "0",
};

export interface GitRunOptions {
  /** Written to git's stdin. */
  input?: string;
  timeoutMs?: number;
  /** Extra environment on top of ours (e.g. GIT_OPTIONAL_LOCKS=0). */
  env?: Record<string, string>;
}

export interface GitResult {
  exitCode: number;
  /** Untrimmed: `-z` output must stay byte-exact. */
  stdout: string;
  stderr: string;
}

/**
 * Runs git with an argument array (never a shell string). A non-zero exit comes back as data, because for
 * several commands (merge-tree, diff --quiet, rev-parse --verify -q) it is an answer, not a failure; a git
 * that cannot be started or that times out is always an error.
 */
export async function gitRun(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  const result = await execa("git", args, {
    cwd,
    reject: false,
    timeout: options.timeoutMs ?? TIMEOUT_MS,
    env: { ...GIT_ENV, ...options.env },
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  if ((result as { code?: string }).code === "ENOENT" && result.exitCode === undefined) {
    // spawn reports a missing cwd with the same ENOENT as a missing program.
    if (!existsSync(cwd)) {
      throw new CcmError("INVALID_ARGUMENT", `${cwd} does not exist`, { details: { cwd, args: [...args] } });
    }
    throw new CcmError("EXTERNAL_COMMAND", "git is not installed or not on PATH", {
      hint: "Install git (e.g. apt-get install git) and retry.",
    });
  }
  if (result.exitCode === undefined) {
    const why = result.timedOut
      ? `timed out after ${options.timeoutMs ?? TIMEOUT_MS} ms`
      : result.shortMessage;
    throw new CcmError("EXTERNAL_COMMAND", `git ${args.join(" ")} ${why}`, {
      details: { cwd, args: [...args], timedOut: result.timedOut },
    });
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git and returns trimmed stdout; any non-zero exit is an EXTERNAL_COMMAND error carrying stderr. */
export async function git(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<string> {
  const result = await gitRun(cwd, args, options);
  if (result.exitCode !== 0) throw gitFailure(cwd, args, result);
  return result.stdout.trim();
}

export function gitFailure(cwd: string, args: readonly string[], result: GitResult): CcmError {
  return new CcmError(
    "EXTERNAL_COMMAND",
    `git ${args.join(" ")} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
    {
      details: { cwd, args: [...args], exitCode: result.exitCode, stderr: result.stderr },
    },
  );
}

/** The top-level folder of the work tree containing `dir`, or a NOT_A_GIT_REPO error saying how to fix it. */
export async function repoRoot(dir: string): Promise<string> {
  const result = await gitRun(dir, ["rev-parse", "--show-toplevel"]).catch((error: unknown) => {
    throw new CcmError("NOT_A_GIT_REPO", `${dir} does not exist or git is not installed`, {
      hint: "Check the path; install git if it is missing.",
      cause: error,
    });
  });
  if (result.exitCode !== 0 || result.stdout.trim() === "") {
    throw new CcmError("NOT_A_GIT_REPO", `${dir} is not inside a git repository`, {
      hint: `Run \`git init\` there (and make a first commit), or pass the path of an existing repository.`,
    });
  }
  return result.stdout.trim();
}

/** The branch checked out in `dir`, or null on a detached HEAD (or when `dir` is not a work tree). */
export async function currentBranch(dir: string): Promise<string | null> {
  const result = await gitRun(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => null);
  return result?.exitCode === 0 ? result.stdout.trim() : null;
}

/** The commit `ref` names, or null when it names none. */
export async function resolveCommit(cwd: string, ref: string): Promise<string | null> {
  const result = await gitRun(cwd, [
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${ref}^{commit}`,
  ]);
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * The commit at the tip of local branch `name`, or null when there is no such branch. A name git would not
 * accept as a branch is an INVALID_ARGUMENT: it is user data and must not smuggle in `..` or options.
 */
export async function branchCommit(cwd: string, name: string): Promise<string | null> {
  const check = await gitRun(cwd, ["check-ref-format", `refs/heads/${name}`]);
  if (check.exitCode !== 0 || name.startsWith("-")) {
    throw new CcmError("INVALID_ARGUMENT", `"${name}" is not a valid branch name`, {
      hint: "Use a branch name git accepts (see git check-ref-format).",
    });
  }
  return resolveCommit(cwd, `refs/heads/${name}`);
}

/** Whether `ancestor` is reachable from `descendant` (equal counts). */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const args = ["merge-base", "--is-ancestor", ancestor, descendant];
  const result = await gitRun(cwd, args);
  if (result.exitCode > 1) throw gitFailure(cwd, args, result);
  return result.exitCode === 0;
}

/** The identity ccm commits under when the repository and environment configure none. */
export const CCM_IDENTITY = { name: "ccm", email: "ccm@localhost" } as const;

/**
 * `-c user.name=… -c user.email=…` for whichever half of the identity git would otherwise fail to find, so
 * checkpoint and merge commits work on a fresh machine without overriding a user's configured identity.
 */
export async function identityArgs(cwd: string): Promise<string[]> {
  const args: string[] = [];
  const fields = [
    ["user.name", CCM_IDENTITY.name, "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"],
    ["user.email", CCM_IDENTITY.email, "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"],
  ] as const;
  for (const [key, fallback, authorEnv, committerEnv] of fields) {
    if (process.env[authorEnv] && process.env[committerEnv]) continue;
    const configured = await gitRun(cwd, ["config", "--get", key]);
    if (configured.exitCode !== 0 || configured.stdout.trim() === "") args.push("-c", `${key}=${fallback}`);
  }
  return args;
}

/**
 * Config for git commands ccm runs on the user's behalf: hooks off, because an agent can write
 * `<common>/hooks/*` from its worktree and those would otherwise run with the daemon's rights.
 */
export const NO_HOOKS = ["-c", "core.hooksPath=/dev/null"] as const;
