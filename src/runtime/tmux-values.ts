import { stat } from "node:fs/promises";
import { CcmError } from "../errors.js";

/** Field separator in `-F` formats: a real tab (escape sequences are not interpreted when passed in argv). */
export const FIELDS = "\t";

const SESSION_NAME = /^[A-Za-z0-9_-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WINDOW_ID = /^@\d+$/;
const TARGET_ID = /^[@%]\d+$/;

export interface WindowInfo {
  windowId: string;
  name: string;
  panePid: number;
  paneDead: boolean;
  paneCurrentCommand: string;
}

/** The name comes last: it is the one field that may contain the separator. */
export const WINDOW_FORMAT = [
  "#{window_id}",
  "#{pane_pid}",
  "#{pane_dead}",
  "#{pane_current_command}",
  "#{window_name}",
].join(FIELDS);

export function parseWindows(stdout: string): WindowInfo[] {
  const windows: WindowInfo[] = [];
  for (const line of stdout.split("\n")) {
    const [windowId = "", pid = "", dead = "", command = "", ...name] = line.split(FIELDS);
    const previous = windows.at(-1);
    // tmux keeps newlines in names it did not get from us; such a name continues on the next line.
    if (!WINDOW_ID.test(windowId)) {
      if (previous && line !== "") previous.name += `\n${line}`;
      continue;
    }
    windows.push({
      windowId,
      name: name.join(FIELDS),
      panePid: Number(pid),
      paneDead: dead === "1",
      paneCurrentCommand: command,
    });
  }
  return windows;
}

export function isWindowId(value: string): boolean {
  return WINDOW_ID.test(value);
}

/** Control characters would break `list-windows` parsing (tmux stores tabs and newlines as given). */
export function displayName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  return name.replace(/[\u0000-\u001f\u007f]/g, " ");
}

export function checkSessionName(name: string): void {
  // tmux silently turns '.' and ':' in session names into '_', and matches names by prefix.
  if (!SESSION_NAME.test(name)) {
    throw new CcmError("INVALID_ARGUMENT", `invalid tmux session name "${name}"`, {
      hint: "Use letters, digits, '_' and '-' only.",
    });
  }
}

export function checkWindowId(id: string): void {
  if (!WINDOW_ID.test(id)) throw new CcmError("INVALID_ARGUMENT", `"${id}" is not a tmux window id (@N)`);
}

export function checkTarget(id: string): void {
  if (!TARGET_ID.test(id)) throw new CcmError("INVALID_ARGUMENT", `"${id}" is not a tmux window or pane id`);
}

export function checkEnv(env: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(env)) {
    if (!ENV_NAME.test(key))
      throw new CcmError("INVALID_ARGUMENT", `invalid environment variable name "${key}"`);
  }
  return env;
}

/** tmux 3.3a accepts a missing `-c` folder and starts the program in the server's own cwd instead. */
export async function checkDirectory(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CcmError("INVALID_ARGUMENT", `${path} is not a folder`, {
      details: { reason: "no-cwd", path },
    });
  }
}
