import { execa } from "execa";

export interface CommandResult {
  /** undefined when the program did not start or was killed. */
  exitCode: number | undefined;
  /** stdout and stderr interleaved, as a person running the command would see them. */
  output: string;
  /** The program is not on PATH (spawn failed with ENOENT). */
  notFound: boolean;
  timedOut: boolean;
}

export interface RunCommandOptions {
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

/** Runs a program with an argument array; failures come back as data, never as a throw. */
export type RunCommand = (
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
) => Promise<CommandResult>;

/** How long after the timeout's SIGTERM to wait before killing the whole process group. */
const GROUP_KILL_GRACE_MS = 1_000;

export const runCommand: RunCommand = async (file, args, { env, timeoutMs }) => {
  // Own process group: execa's timeout signals only the direct child, and a grandchild still holding the
  // output pipe (systemd-analyze runs user environment generators, which run gpgconf, awk, ...) would keep
  // us waiting for as long as it lives. Killing the group closes the pipes.
  const subprocess = execa(file, args, {
    reject: false,
    timeout: timeoutMs,
    env,
    extendEnv: false,
    stdin: "ignore",
    all: true,
    detached: true,
  });
  const groupKill = setTimeout(() => {
    if (subprocess.pid === undefined) return;
    try {
      process.kill(-subprocess.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  }, timeoutMs + GROUP_KILL_GRACE_MS);
  try {
    const result = await subprocess;
    return {
      exitCode: result.exitCode,
      output: result.all ?? "",
      notFound: result.code === "ENOENT",
      timedOut: result.timedOut,
    };
  } finally {
    clearTimeout(groupKill);
  }
};
