import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CcmError } from "../errors.js";
import { samePath } from "./same-path.js";
import {
  defaultTmuxExec,
  isMissing,
  isServerExiting,
  socketArgs,
  type TmuxExec,
  type TmuxExecResult,
  tmuxArg,
  tmuxFailure,
} from "./tmux-exec.js";
import {
  checkDirectory,
  checkEnv,
  checkSessionName,
  checkTarget,
  checkWindowId,
  displayName,
  FIELDS,
  isWindowId,
  parseWindows,
  WINDOW_FORMAT,
  type WindowInfo,
} from "./tmux-values.js";

export type { WindowInfo } from "./tmux-values.js";

export interface TmuxOptions {
  /** A bare name runs `tmux -L name`, a path (containing '/') `tmux -S path`; undefined = default server. */
  socket?: string;
  /** `-f file`: only read by the call that starts the server (tests pass /dev/null). */
  configFile?: string;
  /** The tmux binary (launchd and systemd units may not have Homebrew's bin on PATH). */
  bin?: string;
  timeoutMs?: number;
  exec?: TmuxExec;
}

export interface NewWindowSpec {
  session: string;
  /** For people only (`<project>:<task-id>`); the window is addressed by its id from then on. */
  name: string;
  cwd: string;
  env: Record<string, string>;
  /** Program and arguments, exec'd directly by tmux: never parsed by a shell. */
  argv: string[];
}

export interface SendTextOptions {
  /** Pause between the text and Enter: TUIs take Enter right after a burst of input as a newline. */
  enterDelayMs?: number;
  /** Press Enter after the text (default true). */
  submit?: boolean;
}

/** Initial size of detached sessions: a TUI started at tmux's 80x24 default wraps and truncates. */
const WIDTH = "200";
const HEIGHT = "50";
/** One client message is at most 16 KiB; longer text (and multi-line text) goes through a paste buffer. */
const SEND_KEYS_MAX_BYTES = 8 * 1024;

/**
 * A client for one tmux server. Windows are always addressed by id (`@N`): names like `proj.x:12` contain
 * the target separators ':' and '.', and tmux matches names by prefix. Every argument goes through
 * `tmuxArg`, because tmux treats a trailing ';' in its argv as a command separator.
 */
export class Tmux {
  readonly socketArgs: readonly string[];
  readonly bin: string;
  readonly #exec: TmuxExec;
  readonly #configArgs: readonly string[];

  constructor(options: TmuxOptions = {}) {
    this.socketArgs = socketArgs(options.socket);
    this.bin = options.bin ?? "tmux";
    this.#exec = options.exec ?? defaultTmuxExec(this.bin, options.timeoutMs ?? 10_000);
    this.#configArgs = options.configFile === undefined ? [] : ["-f", options.configFile];
  }

  /** The server-independent client version, e.g. "3.3a". */
  async version(): Promise<string> {
    const result = await this.#exec(["-V"], {});
    const version = /^tmux (\S+)/.exec(result.stdout.trim())?.[1];
    if (result.exitCode !== 0 || version === undefined) throw tmuxFailure(["-V"], result);
    return version;
  }

  /**
   * Creates the session if it is missing; safe to call concurrently (a losing `new-session` sees "duplicate
   * session", which is success). Settings are re-applied on every call, so a session left by an older
   * daemon (or created by a user) gets them and the session environment follows the daemon's current one.
   */
  async ensureSession(name: string, options: { cwd: string; env?: Record<string, string> }): Promise<void> {
    checkSessionName(name);
    await checkDirectory(options.cwd);
    const env = checkEnv(options.env ?? {});
    const create = ["new-session", "-d", "-s", name, "-x", WIDTH, "-y", HEIGHT];
    create.push("-n", "home", "-c", options.cwd);
    let created = await this.#try([create]);
    // Right after the last session closed, the old server may still be exiting; the retry starts a new one.
    if (created.exitCode !== 0 && isServerExiting(created.stderr)) created = await this.#try([create]);
    if (created.exitCode !== 0 && !/duplicate session/.test(created.stderr))
      throw tmuxFailure(create, created);
    await this.#run([
      // Panes created later keep this scrollback; ones already open keep theirs.
      ["set-option", "-t", `=${name}:`, "history-limit", "50000"],
      // A user's attach would otherwise rewrite SSH_AUTH_SOCK, DISPLAY, ... for every later agent window.
      ["set-option", "-t", `=${name}:`, "update-environment", ""],
      ...Object.entries(env).map(([key, value]) => ["set-environment", "-t", `=${name}`, key, value]),
    ]);
  }

  async hasSession(name: string): Promise<boolean> {
    checkSessionName(name);
    return (await this.#try([["has-session", "-t", `=${name}`]])).exitCode === 0;
  }

  /** Ends the session and its windows (their processes get SIGHUP); false when it did not exist. */
  async killSession(name: string): Promise<boolean> {
    checkSessionName(name);
    return this.#unlessMissing(["kill-session", "-t", `=${name}`]);
  }

  /** Opens a detached window running `argv` in `cwd`; the window closes when the program exits. */
  async newWindow(spec: NewWindowSpec): Promise<{ windowId: string; panePid: number }> {
    checkSessionName(spec.session);
    await checkDirectory(spec.cwd);
    const env = checkEnv(spec.env);
    const [program, ...rest] = spec.argv;
    if (program === undefined || program === "") {
      throw new CcmError("INVALID_ARGUMENT", "a tmux window needs a program to run");
    }
    // tmux runs a lone argument through `sh -c`; handing the program to a fixed script as $0 keeps it
    // from ever being parsed as shell text.
    const command = rest.length === 0 ? ["sh", "-c", 'exec "$0"', program] : spec.argv;
    const out = await this.#run([
      [
        "new-window",
        ...["-d", "-t", `=${spec.session}:`, "-n", displayName(spec.name), "-c", spec.cwd],
        ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
        ...["-P", "-F", `#{window_id}${FIELDS}#{pane_pid}`, "--", ...command],
      ],
    ]);
    const [windowId = "", pid = ""] = out.trim().split(FIELDS);
    if (!isWindowId(windowId)) throw new CcmError("EXTERNAL_COMMAND", `tmux new-window printed "${out}"`);
    // A set-option chained after new-window would apply to the session's current window, not the new one,
    // so this is a second call; if a user config kept the pane of a program that already exited, close it.
    const check = await this.#try([
      ["set-option", "-w", "-t", windowId, "remain-on-exit", "off"],
      ["list-panes", "-t", windowId, "-F", "#{pane_dead}"],
    ]);
    if (check.exitCode === 0 && check.stdout.trim() === "1") await this.killWindow(windowId);
    return { windowId, panePid: Number(pid) };
  }

  async hasWindow(windowId: string): Promise<boolean> {
    checkWindowId(windowId);
    const result = await this.#try([["list-panes", "-t", windowId, "-F", "#{window_id}"]]);
    return result.exitCode === 0 && result.stdout.split("\n").includes(windowId);
  }

  /** The session's windows with their (first active) pane; empty when the session or server is gone. */
  async listWindows(session: string): Promise<WindowInfo[]> {
    checkSessionName(session);
    const args = ["list-windows", "-t", `=${session}`, "-F", WINDOW_FORMAT];
    const result = await this.#try([args]);
    if (result.exitCode !== 0) {
      if (isMissing(result.stderr)) return [];
      throw tmuxFailure(args, result);
    }
    return parseWindows(result.stdout);
  }

  /**
   * The session's window whose pane was started with a command containing `needle` (a run's spec file:
   * how a restarted daemon finds a window it opened but died before recording); undefined when none.
   */
  async findWindowByCommand(
    session: string,
    needle: string,
  ): Promise<{ windowId: string; panePid: number } | undefined> {
    checkSessionName(session);
    const args = [
      "list-panes",
      "-s",
      "-t",
      `=${session}`,
      "-F",
      `#{window_id}${FIELDS}#{pane_pid}${FIELDS}#{pane_start_command}`,
    ];
    const result = await this.#try([args]);
    if (result.exitCode !== 0) {
      if (isMissing(result.stderr)) return undefined;
      throw tmuxFailure(args, result);
    }
    for (const line of result.stdout.split("\n")) {
      const [windowId = "", pid = "", ...command] = line.split(FIELDS);
      if (isWindowId(windowId) && command.join(FIELDS).includes(needle))
        return { windowId, panePid: Number(pid) };
    }
    return undefined;
  }

  /** Closes the window (its processes get SIGHUP); false when it was already gone. */
  async killWindow(windowId: string): Promise<boolean> {
    checkWindowId(windowId);
    return this.#unlessMissing(["kill-window", "-t", windowId]);
  }

  /**
   * Types `text` into a window (its active pane) or pane, then presses Enter as a separate key. Short
   * single-line text goes as literal keys; multi-line or long text as a bracketed paste (when the program
   * asked for one), so a TUI does not submit at the first newline. A pane left in copy mode by a user
   * would swallow the keys, so copy mode is cancelled first.
   */
  async sendText(target: string, text: string, options: SendTextOptions = {}): Promise<void> {
    checkTarget(target);
    const pane = await this.#pane(target);
    if (pane.inMode) await this.#run([["send-keys", "-t", pane.id, "-X", "cancel"]]);
    const body = text.replace(/[\r\n]+$/, "");
    if (body !== "") {
      if (/[\r\n]/.test(body) || Buffer.byteLength(body) > SEND_KEYS_MAX_BYTES) {
        const buffer = `ccm-${randomUUID()}`;
        await this.#run([["load-buffer", "-b", buffer, "-"]], body);
        await this.#run([["paste-buffer", "-t", pane.id, "-b", buffer, "-p", "-r", "-d"]]).catch(
          async (error) => {
            await this.#try([["delete-buffer", "-b", buffer]]);
            throw error;
          },
        );
      } else {
        await this.#run([["send-keys", "-t", pane.id, "-l", "--", body]]);
      }
    }
    if (options.submit === false) return;
    if (body !== "") await sleep(options.enterDelayMs ?? 300);
    await this.#run([["send-keys", "-t", pane.id, "Enter"]]);
  }

  /**
   * The command a user runs to look at a window. Inside a pane of this same server `attach` would refuse
   * (nesting), so it is `switch-client` there; from anywhere else, including another tmux, `attach`.
   */
  async attachCommand(windowId: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
    checkWindowId(windowId);
    const out = await this.#run([
      ["list-panes", "-t", windowId, "-F", `#{session_name}${FIELDS}#{socket_path}`],
    ]);
    const [session = "", socketPath = ""] = (out.split("\n")[0] ?? "").split(FIELDS);
    // $TMUX is "<socket path>,<server pid>,<session index>"; the path itself may contain commas.
    const insidePath = env.TMUX?.split(",").slice(0, -2).join(",");
    const client = [this.bin, ...this.socketArgs];
    if (insidePath && samePath(insidePath, socketPath)) return [...client, "switch-client", "-t", windowId];
    return [...client, "attach-session", "-t", `=${session}`, ";", "select-window", "-t", windowId];
  }

  async #pane(target: string): Promise<{ id: string; inMode: boolean }> {
    const format = ["#{pane_id}", "#{pane_active}", "#{pane_dead}", "#{pane_in_mode}"].join(FIELDS);
    const result = await this.#try([["list-panes", "-t", target, "-F", format]]);
    const rows = result.exitCode === 0 ? result.stdout.split("\n").map((line) => line.split(FIELDS)) : [];
    const row = rows.find(([id, active]) => (target.startsWith("%") ? id === target : active === "1"));
    if (row === undefined) {
      throw new CcmError("INVALID_ARGUMENT", `tmux window or pane ${target} does not exist`, {
        details: { reason: "gone", target },
      });
    }
    // send-keys to a dead pane "succeeds" and does nothing; say so instead.
    if (row[2] === "1") {
      throw new CcmError("INVALID_ARGUMENT", `the program in tmux pane ${row[0]} has exited`, {
        details: { reason: "dead", target },
      });
    }
    return { id: row[0] ?? target, inMode: row[3] === "1" };
  }

  async #unlessMissing(args: string[]): Promise<boolean> {
    const result = await this.#try([args]);
    if (result.exitCode === 0) return true;
    if (isMissing(result.stderr)) return false;
    throw tmuxFailure(args, result);
  }

  /** Runs one or more tmux commands in one client call; returns stdout, throws on failure. */
  async #run(commands: string[][], input?: string): Promise<string> {
    const result = await this.#try(commands, input);
    if (result.exitCode !== 0) throw tmuxFailure(commands.flat(), result);
    return result.stdout;
  }

  #try(commands: string[][], input?: string): Promise<TmuxExecResult> {
    const args = commands.flatMap((command, i) => [...(i === 0 ? [] : [";"]), ...command.map(tmuxArg)]);
    // -u: without a UTF-8 locale (LANG unset, as under systemd or cron) tmux prints the tab between format
    // fields as "_", and every window id read back would be garbage.
    return this.#exec(
      ["-u", ...this.socketArgs, ...this.#configArgs, ...args],
      input === undefined ? {} : { input },
    );
  }
}
