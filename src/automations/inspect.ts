import { closeSync, openSync, readSync, statSync } from "node:fs";
import {
  type AutomationScript,
  EVENTS_LINE,
  type EventSpec,
  parseHeader,
  splitEventList,
} from "../hooks/automation-scripts.js";
import { HOOK_EVENTS, MATCHER_FIELD } from "../hooks/events.js";

/**
 * Reads one automation script the way the hook does (automation-scripts.ts) and says, in words, what is
 * wrong with it: the hook skips a broken script silently (it runs before every tool call and must not
 * fail), so this is where a user learns why theirs never runs.
 */

export interface ScriptInfo {
  path: string;
  /** The header parsed as the hook parses it; undefined when the hook would skip the file. */
  script?: AutomationScript;
  events: EventSpec[];
  timeoutMs?: number;
  /** Reasons the hook would never run it, or runs it differently from what the header says. */
  problems: string[];
}

const HEADER_BYTES = 4096;
const KNOWN: ReadonlySet<string> = new Set<string>([...HOOK_EVENTS, "*"]);

export function inspectScript(path: string): ScriptInfo {
  const info: ScriptInfo = { path, events: [], problems: [] };
  let header: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      info.problems.push("not a regular file");
      return info;
    }
    if ((stat.mode & 0o111) === 0) info.problems.push(`not executable (chmod +x ${path})`);
    header = readHead(path, Math.min(HEADER_BYTES, stat.size));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    info.problems.push(code === "ENOENT" ? "missing (a broken link?)" : `unreadable: ${code ?? error}`);
    return info;
  }
  const line = EVENTS_LINE.exec(header);
  if (line === null) {
    info.problems.push(
      `no "# ccm-events:" line in the first ${HEADER_BYTES} bytes (e.g. "# ccm-events: PreToolUse(Bash), Stop")`,
    );
    return info;
  }
  const parsed = parseHeader(path, header);
  if (parsed !== undefined) {
    info.events = parsed.events;
    if (parsed.timeoutMs !== undefined) info.timeoutMs = parsed.timeoutMs;
    if (info.problems.length === 0) info.script = parsed;
  }
  info.problems.push(...eventProblems(line[1] ?? "", info.events));
  return info;
}

function readHead(path: string, bytes: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.toString("utf8", 0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** Unknown event names, items the parser dropped, matchers that cannot apply or do not compile. */
export function eventProblems(text: string, events: readonly EventSpec[]): string[] {
  const problems: string[] = [];
  if (events.length === 0) problems.push(`no event in "ccm-events: ${text}"`);
  const items = splitEventList(text).filter((item) => item.trim() !== "");
  if (items.length > events.length) {
    const kept = new Set(events.map((e) => e.event));
    const dropped = items.filter((item) => !kept.has(item.trim().replace(/\(.*$/s, "").trim()));
    problems.push(
      `cannot read ${dropped.map((d) => `"${d.trim()}"`).join(", ")} (expected Event or Event(Matcher))`,
    );
  }
  for (const spec of events) {
    if (!KNOWN.has(spec.event)) {
      const close = suggest(spec.event, HOOK_EVENTS);
      problems.push(
        `unknown event "${spec.event}"${close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ""}`,
      );
      continue;
    }
    if (spec.matcher === undefined || spec.event === "*") continue;
    if (MATCHER_FIELD[spec.event as keyof typeof MATCHER_FIELD] === undefined) {
      problems.push(`${spec.event} takes no matcher; "(${spec.matcher})" is ignored`);
    } else if (!/^[A-Za-z0-9_\- ,|*]*$/.test(spec.matcher)) {
      try {
        new RegExp(spec.matcher);
      } catch {
        problems.push(`matcher "${spec.matcher}" of ${spec.event} is not a valid regular expression`);
      }
    }
  }
  return problems;
}

/** Up to three candidates within a small edit distance (case-insensitive), closest first. */
export function suggest(name: string, candidates: Iterable<string>): string[] {
  const target = name.toLowerCase();
  const limit = Math.max(2, Math.floor(target.length / 3));
  return [...new Set(candidates)]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const prefix = lower.startsWith(target) || target.startsWith(lower);
      return { candidate, distance: prefix ? 1 : editDistance(target, lower) };
    })
    .filter((c) => c.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map((c) => c.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
