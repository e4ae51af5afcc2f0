import { MATCHER_FIELD } from "./events.js";

/**
 * Finds the automation scripts for one event: executable files in the automation folders whose header
 * declares the event, e.g. `# ccm-events: PreToolUse(Bash|Write), Stop` (any comment leader: #, //, --, ;).
 * An optional `# ccm-timeout: 5` (seconds) overrides the runner's default. Synchronous and cheap: with
 * no automation installed it is one failed readdir per folder.
 */

export interface EventSpec {
  /** An event name, or `*` for every event. */
  event: string;
  /** Claude Code matcher syntax, tested against the event's matcher field (tool_name for tool events). */
  matcher?: string;
}

export interface AutomationScript {
  path: string;
  events: EventSpec[];
  timeoutMs?: number;
}

const HEADER_BYTES = 4096;
export const EVENTS_LINE = /^\s*(?:#|\/\/|--|;|\*|rem\b)\s*ccm-events:\s*(.*?)\s*$/im;
const TIMEOUT_LINE = /^\s*(?:#|\/\/|--|;|\*|rem\b)\s*ccm-timeout:\s*(\d+(?:\.\d+)?)\s*$/im;
const EXACT_MATCHER = /^[A-Za-z0-9_\- ,|]+$/;

/** `$CCM_HOME/automations/enabled` and `<project>/.ccm/automations`, the project being CCM_PROJECT_DIR,
 * else CLAUDE_PROJECT_DIR, else the payload's cwd. */
export function automationDirs(
  env: Readonly<Record<string, string | undefined>>,
  payload: Readonly<Record<string, unknown>>,
): string[] {
  const { join } = process.getBuiltinModule("node:path");
  const dirs: string[] = [];
  const home =
    nonEmpty(env.CCM_HOME) ?? (nonEmpty(env.HOME) === undefined ? undefined : join(env.HOME!, ".ccm"));
  if (home !== undefined) dirs.push(join(home, "automations", "enabled"));
  const project =
    nonEmpty(env.CCM_PROJECT_DIR) ??
    nonEmpty(env.CLAUDE_PROJECT_DIR) ??
    (typeof payload.cwd === "string" ? nonEmpty(payload.cwd) : undefined);
  if (project !== undefined) {
    const dir = join(project, ".ccm", "automations");
    if (!dirs.includes(dir)) dirs.push(dir);
  }
  return dirs;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The scripts in `dirs` that declare `event` and whose matcher accepts this payload, in name order. */
export function findAutomations(
  dirs: readonly string[],
  event: string,
  payload: Readonly<Record<string, unknown>>,
): AutomationScript[] {
  const fs = process.getBuiltinModule("node:fs");
  const { join } = process.getBuiltinModule("node:path");
  const found: AutomationScript[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue; // Missing or unreadable folder: no automations there.
    }
    names.sort();
    for (const name of names) {
      if (name.startsWith(".") || name.endsWith("~")) continue;
      const path = join(dir, name);
      const header = readHeader(fs, path);
      if (header === undefined) continue;
      const script = parseHeader(path, header);
      if (script?.events.some((spec) => specMatches(spec, event, payload))) {
        found.push(script);
      }
    }
  }
  return found;
}

/** The first bytes of an executable regular file (symlinks followed), or undefined. */
function readHeader(fs: typeof import("node:fs"), path: string): string | undefined {
  try {
    const stat = fs.statSync(path);
    if (!stat.isFile() || (stat.mode & 0o111) === 0) return undefined;
    const fd = fs.openSync(path, "r");
    try {
      const buffer = Buffer.alloc(Math.min(HEADER_BYTES, stat.size));
      const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.toString("utf8", 0, read);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

export function parseHeader(path: string, header: string): AutomationScript | undefined {
  const line = EVENTS_LINE.exec(header);
  if (line === null) return undefined;
  const events = parseEventList(line[1] ?? "");
  if (events.length === 0) return undefined;
  const script: AutomationScript = { path, events };
  const timeout = TIMEOUT_LINE.exec(header);
  if (timeout !== null) script.timeoutMs = Math.round(Number(timeout[1]) * 1000);
  return script;
}

/** `PreToolUse(Bash|Write), Stop` → [{PreToolUse, Bash|Write}, {Stop}]; commas inside () belong to the matcher. */
export function parseEventList(text: string): EventSpec[] {
  const specs: EventSpec[] = [];
  for (const item of splitEventList(text)) {
    const match = /^\s*([A-Za-z][A-Za-z0-9]*|\*)\s*(?:\((.*)\))?\s*$/.exec(item);
    if (match === null) continue;
    const matcher = match[2]?.trim();
    specs.push(
      matcher === undefined || matcher === "" ? { event: match[1]! } : { event: match[1]!, matcher },
    );
  }
  return specs;
}

/** The comma-separated items of an events line; commas inside () belong to the matcher. */
export function splitEventList(text: string): string[] {
  let depth = 0;
  let start = 0;
  const items: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "(") depth++;
    else if (char === ")") depth = Math.max(0, depth - 1);
    else if (char === "," && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}

export function specMatches(
  spec: EventSpec,
  event: string,
  payload: Readonly<Record<string, unknown>>,
): boolean {
  if (spec.event !== "*" && spec.event !== event) return false;
  if (spec.matcher === undefined) return true;
  const field = MATCHER_FIELD[event as keyof typeof MATCHER_FIELD];
  if (field === undefined) return true; // Claude Code ignores matchers on events without matcher support.
  const value = payload[field];
  return typeof value === "string" && matcherAccepts(spec.matcher, value);
}

/** Claude Code's matcher rules (reference §3): "", "*" = all; plain names = exact list; else a RegExp. */
export function matcherAccepts(matcher: string, value: string): boolean {
  if (matcher === "" || matcher === "*") return true;
  if (EXACT_MATCHER.test(matcher)) {
    return matcher.split(/[|,]/).some((name) => name.trim() === value);
  }
  try {
    return new RegExp(matcher).test(value);
  } catch {
    return false;
  }
}
