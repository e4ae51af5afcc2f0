import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { CcmError } from "../errors.js";
import { Tmux } from "./tmux.js";

/**
 * Environment for tests of code that runs git: no user or system config, so no identity either; the code
 * under test must cope with that (it falls back to ccm's identity). Apply with vi.stubEnv. For tests only.
 */
export const SEALED_GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" } as const;

const TEST_IDENTITY = ["-c", "user.name=Test User", "-c", "user.email=test@example.invalid"];

/** An identity through the environment, for git run as another process would (an agent). For tests only. */
export const TEST_IDENTITY_ENV = {
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@example.invalid",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@example.invalid",
} as const;

/** The CcmError a promise rejects with; throws when it resolves or fails with anything else. */
export async function ccmRejection(promise: Promise<unknown>): Promise<CcmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CcmError)) throw new Error(`expected a CcmError, got ${String(error)}`);
  return error;
}

export interface TempRepo extends AsyncDisposable {
  /** Real path of the main checkout (branch main, one commit). */
  readonly dir: string;
  /** An empty folder beside the repository, for worktrees and other scratch files. */
  readonly scratch: string;
  /** Runs git in `cwd` (default: the repository) as "Test User"; returns trimmed stdout. */
  git(args: string[], cwd?: string): Promise<string>;
  /** Writes a file (creating folders) relative to `cwd` (default: the repository). */
  write(path: string, content: string, cwd?: string): Promise<void>;
  /** Writes the files and commits them; returns the new commit. */
  commit(message: string, files: Record<string, string>, cwd?: string): Promise<string>;
}

export async function tempRepo(): Promise<TempRepo> {
  const root = await realpath(await mkdtemp(join(tmpdir(), "ccm-rt-")));
  const dir = join(root, "repo");
  const scratch = join(root, "scratch");
  await mkdir(dir);
  await mkdir(scratch);
  const git = async (args: string[], cwd = dir): Promise<string> =>
    (await execa("git", [...TEST_IDENTITY, ...args], { cwd, timeout: 20_000 })).stdout.trim();
  const write = async (path: string, content: string, cwd = dir): Promise<void> => {
    await mkdir(dirname(join(cwd, path)), { recursive: true });
    await writeFile(join(cwd, path), content);
  };
  const commit = async (message: string, files: Record<string, string>, cwd = dir): Promise<string> => {
    for (const [path, content] of Object.entries(files)) await write(path, content, cwd);
    await git(["add", "--all"], cwd);
    await git(["commit", "--quiet", "--no-verify", "-m", message], cwd);
    return git(["rev-parse", "HEAD"], cwd);
  };
  await git(["init", "--quiet", "--initial-branch=main"]);
  await commit("initial", { "README.md": "# scratch\n" });
  return {
    dir,
    scratch,
    git,
    write,
    commit,
    [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}

export interface PrivateTmux extends AsyncDisposable {
  readonly tmux: Tmux;
  readonly socket: string;
  /** A private temp folder (the socket lives here). */
  readonly dir: string;
  /** Raw tmux call against the private server, for checks the client under test does not offer. */
  raw(...args: string[]): Promise<string>;
}

/** A tmux client bound to a private server (own socket, no config file); dispose kills the server. */
export async function privateTmux(): Promise<PrivateTmux> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "ccm-tmux-")));
  const socket = join(dir, "tmux.sock");
  const raw = async (...args: string[]): Promise<string> =>
    (await execa("tmux", ["-S", socket, "-f", "/dev/null", ...args], { timeout: 10_000 })).stdout;
  return {
    tmux: new Tmux({ socket, configFile: "/dev/null" }),
    socket,
    dir,
    raw,
    [Symbol.asyncDispose]: async () => {
      await execa("tmux", ["-S", socket, "kill-server"], { reject: false, timeout: 10_000 });
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Whether a process is running; a zombie (exited, not yet reaped by a slow init) counts as ended. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it is in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** Polls until `check` returns something other than undefined, null or false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
