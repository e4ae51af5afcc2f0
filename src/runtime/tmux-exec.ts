import { execa } from "execa";
import { CcmError } from "../errors.js";
import { UNSET_REPO_ENV } from "./git.js";

export interface TmuxExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the tmux client with a full argument array; injectable so tests can see exactly what is sent. */
export type TmuxExec = (args: readonly string[], options: { input?: string }) => Promise<TmuxExecResult>;

/**
 * The tmux client's environment. TMUX/TMUX_PANE are dropped so a daemon started inside someone's tmux never
 * talks to (or is mistaken for a client of) that server; repository-pinning git variables are dropped
 * because the call that starts the server hands its environment to every pane it will ever create.
 */
const CLIENT_ENV: Record<string, string | undefined> = {
  ...UNSET_REPO_ENV,
  TMUX: undefined,
  TMUX_PANE: undefined,
};

export function defaultTmuxExec(bin: string, timeoutMs: number): TmuxExec {
  return async (args, { input }) => {
    const result = await execa(bin, args, {
      reject: false,
      timeout: timeoutMs,
      env: CLIENT_ENV,
      ...(input === undefined ? { stdin: "ignore" as const } : { input }),
    });
    if (result.exitCode === undefined) {
      if ((result as { code?: string }).code === "ENOENT") {
        throw new CcmError("EXTERNAL_COMMAND", `tmux is not installed or not on PATH (${bin})`, {
          hint: "Install tmux 3.0 or later (e.g. apt-get install tmux, brew install tmux).",
        });
      }
      const why = result.timedOut ? `timed out after ${timeoutMs} ms` : result.shortMessage;
      throw new CcmError("EXTERNAL_COMMAND", `tmux ${args.join(" ")} ${why}`, {
        details: { args: [...args] },
      });
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
}

/**
 * tmux splits its own argv on a trailing ';' (even without a shell), so `send-keys -l 'ls;'` would type
 * `ls` and run the rest as another command. A backslash before the final ';' keeps it literal; only the
 * trailing position is special.
 */
export function tmuxArg(value: string): string {
  return value.endsWith(";") ? `${value.slice(0, -1)}\\;` : value;
}

/** `-L name` for a bare socket name, `-S path` for a path; the default server is named explicitly too. */
export function socketArgs(socket: string | undefined): string[] {
  if (socket === undefined) return ["-L", "default"];
  if (socket === "") throw new CcmError("INVALID_ARGUMENT", "tmux socket must not be empty");
  return socket.includes("/") ? ["-S", socket] : ["-L", socket];
}

/**
 * tmux's answers for "that session/window/server is not there", as opposed to a real failure. The last two
 * come from a client that reached a server while it was exiting (its last session just closed): seen here
 * in about 2% of calls right after a kill-session.
 */
const MISSING =
  /no server running|error connecting to|can't find (session|window|pane)|no such session|no current target|server exited unexpectedly/;

export function isMissing(stderr: string): boolean {
  return MISSING.test(stderr);
}

/** The server was exiting when this client connected; a new call starts a fresh one. */
export function isServerExiting(stderr: string): boolean {
  return /server exited unexpectedly/.test(stderr);
}

export function tmuxFailure(args: readonly string[], result: TmuxExecResult): CcmError {
  const message = result.stderr.trim() || `exit ${result.exitCode}`;
  return new CcmError("EXTERNAL_COMMAND", `tmux ${args.join(" ")} failed: ${message}`, {
    details: { args: [...args], exitCode: result.exitCode, stderr: result.stderr },
  });
}
