import { existsSync } from "node:fs";
import type { AutomationEntry } from "../automations/catalog.js";
import { CcmError } from "../errors.js";
import type { EventSpec } from "../hooks/automation-scripts.js";
import { specMatches } from "../hooks/automation-scripts.js";
import { combineDecisions, type HookOutput } from "../hooks/automations.js";
import { HOOK_EVENTS } from "../hooks/events.js";
import { commandResponse } from "../hooks/hook-output.js";
import { isObject } from "../hooks/payload.js";
import { AUTOMATION_TIMEOUT_ENV, defaultTimeoutMs, runAutomation } from "../hooks/script-runner.js";
import { automationStats, type ScriptStats } from "../store/automation-runs.js";
import type { Store } from "../store/db.js";
import { getProjectById } from "../store/projects.js";
import { getTask } from "../store/tasks.js";

/** The built-in PreToolUse guard (src/hooks, feat/guard) as `automation list` shows it. */
export const BUILTIN_GUARD = "builtin:guard";

export interface AutomationListItem {
  name: string;
  where: AutomationEntry["where"] | "builtin";
  enabled: boolean;
  path: string | null;
  events: EventSpec[];
  timeoutSeconds: number | null;
  problems: string[];
  runs: number;
  lastRunAt: number | null;
  decisions: Record<string, number>;
}

/** The catalog joined with what automation_runs recorded for each script path. */
export function listWithStats(
  store: Store,
  entries: readonly AutomationEntry[],
  guardEnabled: boolean,
): AutomationListItem[] {
  const stats = automationStats(store);
  const withStats = (stat: ScriptStats | undefined) => ({
    runs: stat?.runs ?? 0,
    lastRunAt: stat?.lastAt ?? null,
    decisions: stat?.decisions ?? {},
  });
  return [
    {
      name: BUILTIN_GUARD,
      where: "builtin",
      enabled: guardEnabled,
      path: null,
      events: [{ event: "PreToolUse" }],
      timeoutSeconds: null,
      problems: [],
      ...withStats(stats.get(BUILTIN_GUARD)),
    },
    ...entries.map((e) => ({
      name: e.name,
      where: e.where,
      enabled: e.enabled,
      path: e.path,
      events: e.info.events,
      timeoutSeconds: e.info.timeoutMs === undefined ? null : e.info.timeoutMs / 1000,
      problems: e.info.problems,
      ...withStats(stats.get(e.path)),
    })),
  ];
}

export interface TestOptions {
  store: Store;
  entry: AutomationEntry;
  /** The event file's parsed JSON: a hook payload. */
  payload: unknown;
  /** Overrides the payload's hook_event_name. */
  eventName?: string;
  taskId?: number;
  /** The base environment (the CLI's); CCM_HOME, CCM_DB and the timeout are set on top. */
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  dbPath: string;
  timeoutSeconds: number;
  /** The project in scope when no task is given. */
  project?: { name: string; path: string };
}

export interface TestResult {
  script: string;
  event: string;
  /** The script's header selects this event (and its matcher accepts the payload): the hook would run it. */
  matched: boolean;
  decision: string;
  reason: string | null;
  durationMs: number;
  timeoutMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The script's stdout as JSON, when it printed some. */
  output: HookOutput | null;
  /** What the hook entry would hand Claude Code: stdout, stderr and exit code. */
  hookResponse: { stdout: string; stderr: string; exitCode: number };
}

/**
 * Runs one script as the hook would, with the environment the daemon gives an agent (from --task) and the
 * configured default timeout. Nothing is written to automation_runs: a test is not something the agent
 * did, and mixing synthetic runs into a task's history and the list's counts would mislead.
 */
export async function testAutomation(options: TestOptions): Promise<TestResult> {
  const { entry } = options;
  const script = entry.info.script;
  if (script === undefined) {
    throw new CcmError("INVALID_ARGUMENT", `${entry.name} would not run: ${entry.info.problems.join("; ")}`, {
      hint: `Fix ${entry.path}; the hook skips scripts like this silently.`,
    });
  }
  if (!isObject(options.payload)) {
    throw new CcmError("INVALID_ARGUMENT", "the event file must hold one JSON object (a hook payload)", {
      hint: 'E.g. {"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"cwd":"/tmp"}',
    });
  }
  const payload = options.payload;
  const event =
    options.eventName ?? (typeof payload.hook_event_name === "string" ? payload.hook_event_name : "");
  if (!(HOOK_EVENTS as readonly string[]).includes(event)) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      event === "" ? "the event file has no hook_event_name" : `unknown event "${event}"`,
      {
        hint: `Set hook_event_name in the file (or pass --event-name) to one of: ${HOOK_EVENTS.join(", ")}.`,
      },
    );
  }
  const env: Record<string, string | undefined> = {
    ...options.env,
    CCM_HOME: options.home,
    CCM_DB: options.dbPath,
    [AUTOMATION_TIMEOUT_ENV]: String(options.timeoutSeconds),
  };
  if (options.taskId !== undefined) {
    const task = getTask(options.store, options.taskId);
    const project = getProjectById(options.store, task.projectId);
    env.CCM_TASK_ID = String(task.id);
    env.CCM_TASK_TITLE = task.title;
    env.CCM_PROJECT = task.project;
    if (project) env.CCM_PROJECT_DIR = project.path;
    if (task.worktreePath && existsSync(task.worktreePath)) env.CCM_WORKTREE = task.worktreePath;
  } else if (options.project) {
    env.CCM_PROJECT = options.project.name;
    env.CCM_PROJECT_DIR = options.project.path;
  }
  const input = { event, payload: { ...payload, hook_event_name: event }, env };
  const matched = script.events.some((spec) => specMatches(spec, event, input.payload));
  const { run, exit, timeoutMs } = await runAutomation(script, input, defaultTimeoutMs(env));
  const response = commandResponse(event, combineDecisions(event, [run]));
  return {
    script: entry.path,
    event,
    matched,
    decision: run.decision,
    reason: run.reason ?? null,
    durationMs: run.durationMs,
    timeoutMs,
    exitCode: exit.code,
    signal: exit.signal,
    timedOut: exit.timedOut,
    stdout: exit.stdout,
    stderr: exit.stderr,
    output: run.output ?? null,
    hookResponse: response,
  };
}
