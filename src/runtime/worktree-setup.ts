import { appendFile, mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { execa } from "execa";
import { CcmError } from "../errors.js";
import { UNSET_REPO_ENV } from "./git.js";

export interface RunSetupOptions {
  timeoutMs: number;
  /** Output of the command is appended here (created with its folder when missing). */
  logFile: string;
  /** Extra environment on top of the daemon's. */
  env?: Record<string, string>;
}

/** After the timeout's SIGTERM, how long the command's process group gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;
const TAIL_LINES = 20;

/**
 * Runs the project's setup command (e.g. `npm ci`) in a new worktree. The command is the project's own
 * shell text, so it goes to `sh -c` as one argument with nothing of ours spliced in. The command gets a
 * process group of its own so a timeout ends its children too (an npm install left running would keep
 * writing into the worktree). A failure is an EXTERNAL_COMMAND error carrying the tail of the output.
 */
export async function runSetup(worktree: string, command: string, options: RunSetupOptions): Promise<void> {
  if (command.trim() === "") return;
  await mkdir(dirname(options.logFile), { recursive: true });
  await appendFile(options.logFile, `$ ${command}\n`);
  const start = (await stat(options.logFile)).size;
  const outcome = await runInGroup(worktree, command, options);
  if (!outcome.timedOut && outcome.exitCode === 0) return;

  const tail = await readTail(options.logFile, start);
  const lastLine = tail
    .split("\n")
    .filter((line) => line.trim() !== "")
    .at(-1);
  const what = outcome.timedOut
    ? `timed out after ${options.timeoutMs} ms`
    : outcome.exitCode === undefined
      ? `could not run (${outcome.failure})`
      : `exited with code ${outcome.exitCode}`;
  throw new CcmError("EXTERNAL_COMMAND", `setup command ${what}${lastLine ? `: ${lastLine}` : ""}`, {
    hint: `Fix the project's setup command or the worktree; full output in ${options.logFile}.`,
    details: {
      command,
      cwd: worktree,
      exitCode: outcome.exitCode,
      timedOut: outcome.timedOut,
      tail,
      logFile: options.logFile,
    },
  });
}

interface Outcome {
  exitCode: number | undefined;
  timedOut: boolean;
  failure: string;
}

async function runInGroup(cwd: string, command: string, options: RunSetupOptions): Promise<Outcome> {
  // Both streams append to the log (O_APPEND), so lines land in the order the command wrote them.
  const log = { file: options.logFile, append: true } as const;
  const subprocess = execa("sh", ["-c", command], {
    cwd,
    env: { ...UNSET_REPO_ENV, ...options.env },
    stdin: "ignore",
    stdout: log,
    stderr: log,
    detached: true,
    reject: false,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (subprocess.pid !== undefined) process.kill(-subprocess.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  let grace: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    grace = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
  }, options.timeoutMs);
  try {
    const result = await subprocess;
    // Children that ignored SIGTERM outlive sh; they must not keep working in the worktree.
    if (timedOut) killGroup("SIGKILL");
    return { exitCode: result.exitCode, timedOut, failure: result.shortMessage ?? "" };
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
  }
}

/** The last lines written to the log since `start` (this run's output only). */
async function readTail(logFile: string, start: number): Promise<string> {
  const handle = await open(logFile, "r");
  try {
    const { size } = await handle.stat();
    const from = Math.max(start, size - 8192);
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    return buffer
      .toString("utf8")
      .split("\n")
      .slice(-TAIL_LINES - 1)
      .join("\n")
      .trimEnd();
  } finally {
    await handle.close();
  }
}
