import type { ChildProcess } from "node:child_process";
import { type AutomationScript, automationDirs, findAutomations } from "./automation-scripts.js";
import {
  type AutomationInput,
  type AutomationRun,
  type AutomationRunner,
  classifyOutput,
  combineDecisions,
  type Decision,
  failClosedEvents,
  type HookOutput,
  isFailClosed,
} from "./automations.js";
import { FIELD_PREFIX, fieldEnv } from "./field-env.js";
import { isObject } from "./payload.js";

/**
 * The shipped runner: executes every matching automation script concurrently, the way Claude Code runs
 * parallel hooks, with the same contract a Claude Code command hook has: event JSON on stdin, exit 0 =
 * allow (JSON stdout passed through), exit 2 = block with stderr as the reason, anything else = failed.
 * No script found = one readdir per folder and no child process.
 */

export interface ScriptRunnerOptions {
  /** Folders to search; default: automationDirs(env, payload). */
  dirs?: (input: AutomationInput) => readonly string[];
  /** Per-script limit unless the script's header sets `ccm-timeout`; default: CCM_AUTOMATION_TIMEOUT
   * (seconds, set by the daemon from `automations.timeout_seconds`), else 10 s. */
  timeoutMs?: number;
}

export const DEFAULT_AUTOMATION_TIMEOUT_MS = 10_000;
/** Seconds; the daemon puts `automations.timeout_seconds` here (the hook must not load the config). */
export const AUTOMATION_TIMEOUT_ENV = "CCM_AUTOMATION_TIMEOUT";
/** Output kept per stream; more is dropped (Claude Code caps hook output at 10,000 characters anyway). */
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** After the script exits, how long its pipes may stay open (a background grandchild) before we stop reading. */
const DRAIN_MS = 100;
/** Plain stdout becomes context on these events, as it does for Claude Code's own hooks. */
const PLAIN_TEXT_CONTEXT: ReadonlySet<string> = new Set([
  "UserPromptSubmit",
  "UserPromptExpansion",
  "SessionStart",
]);

export function createScriptRunner(options: ScriptRunnerOptions = {}): AutomationRunner {
  return {
    async run(input: AutomationInput): Promise<Decision> {
      const dirs = options.dirs?.(input) ?? automationDirs(input.env, input.payload);
      const scripts = findAutomations(dirs, input.event, input.payload);
      if (scripts.length === 0) return { decision: "allow", runs: [] };
      const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(input.env);
      const runs = await Promise.all(
        scripts.map(async (script) => (await runAutomation(script, input, timeoutMs)).run),
      );
      const failClosed = isFailClosed(failClosedEvents(input.env.CCM_FAIL_CLOSED), input.event);
      return combineDecisions(input.event, runs, { failClosed });
    },
  };
}

/** The per-script limit when the header sets none: CCM_AUTOMATION_TIMEOUT seconds, else 10 s. */
export function defaultTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const seconds = Number(env[AUTOMATION_TIMEOUT_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : DEFAULT_AUTOMATION_TIMEOUT_MS;
}

/** How a script process ended, raw (what `ccm automation test` shows next to the decision). */
export interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: Error;
}

/** Runs one script the way the hook does (the runner and `ccm automation test` share this). */
export async function runAutomation(
  script: AutomationScript,
  input: AutomationInput,
  defaultTimeout: number,
): Promise<{ run: AutomationRun; exit: Exit; timeoutMs: number }> {
  const timeoutMs = script.timeoutMs ?? defaultTimeout;
  const started = performance.now();
  const exit = await execute(script.path, input, JSON.stringify(input.payload), timeoutMs);
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  const run = { script: script.path, durationMs, ...interpret(input.event, exit, timeoutMs) };
  return { run, exit, timeoutMs };
}

/**
 * What a script sees besides the payload: the hook's environment (CCM_TASK_ID, CCM_PROJECT,
 * CCM_PROJECT_DIR, CCM_WORKTREE, CCM_HOME, CCM_DB, … as the daemon set them for the agent), plus the
 * event, its own path, and how to reach ccm: CCM_NODE + CCM_BIN run the CLI (the Node that runs this
 * hook, never whatever `node` is on PATH), CCM_LIB holds ccm.sh. The package root is two folders above
 * this module both in dist/hooks/ (bundled entry or not) and in src/hooks/ (tests).
 */
export function automationEnv(
  input: AutomationInput,
  scriptPath: string,
): Record<string, string | undefined> {
  const { fileURLToPath } = process.getBuiltinModule("node:url");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  // Inherited CCM_F_* (a script that runs `ccm` which runs a hook…) must not pose as this payload's fields.
  const inherited = Object.fromEntries(
    Object.entries(input.env).filter(([key]) => !key.startsWith(FIELD_PREFIX) && key !== "CCM_FIELDS"),
  );
  return {
    ...inherited,
    ...fieldEnv(input.payload),
    CCM_EVENT: input.event,
    CCM_AUTOMATION: scriptPath,
    CCM_NODE: process.execPath,
    CCM_BIN: `${root}bin/ccm.js`,
    CCM_LIB: `${root}automations/lib`,
  };
}

function execute(path: string, input: AutomationInput, stdin: string, timeoutMs: number): Promise<Exit> {
  const { spawn } = process.getBuiltinModule("node:child_process");
  const { existsSync } = process.getBuiltinModule("node:fs");
  const cwd =
    typeof input.payload.cwd === "string" && existsSync(input.payload.cwd) ? input.payload.cwd : undefined;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(path, [input.event], {
        cwd,
        env: automationEnv(input, path),
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group, so a timeout kills what it started too.
        detached: true,
      });
    } catch (error) {
      resolve({
        code: null,
        signal: null,
        stdout: "",
        stderr: "",
        timedOut: false,
        spawnError: error as Error,
      });
      return;
    }
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    let timedOut = false;
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const finish = (code: number | null, signal: string | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const result: Exit = { code, signal, stdout: stdout.text(), stderr: stderr.text(), timedOut };
      if (spawnError !== undefined) result.spawnError = spawnError;
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };
    child.on("error", (error) => finish(null, null, error));
    child.on("exit", (code, signal) => {
      // Normally "close" follows at once; a background grandchild holding the pipes must not hold us.
      const drain = setTimeout(() => finish(code, signal), DRAIN_MS);
      child.on("close", () => {
        clearTimeout(drain);
        finish(code, signal);
      });
    });
    child.stdin?.on("error", () => {}); // EPIPE: the script did not read its input, which is fine.
    child.stdin?.end(stdin);
  });
}

function collect(stream: NodeJS.ReadableStream | null): { text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on("data", (chunk: Buffer) => {
    if (size >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  stream?.on("error", () => {});
  return { text: () => Buffer.concat(chunks).toString("utf8") };
}

function interpret(
  event: string,
  exit: Exit,
  timeoutMs: number,
): Omit<AutomationRun, "script" | "durationMs"> {
  if (exit.spawnError !== undefined)
    return { decision: "error", reason: `could not start: ${exit.spawnError.message}` };
  if (exit.timedOut) return { decision: "error", reason: `timed out after ${timeoutMs} ms` };
  const output = jsonObject(exit.stdout);
  if (exit.code === 2) {
    const reason = exit.stderr.trim() || (output === undefined ? undefined : classifyOutput(output).reason);
    return withOutput({ decision: "block", ...(reason ? { reason } : {}) }, output);
  }
  if (exit.code !== 0) {
    const firstLine = exit.stderr.trim().split("\n")[0];
    const how = exit.code === null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    return { decision: "error", reason: firstLine ? `${how}: ${firstLine}` : how };
  }
  if (output !== undefined) return withOutput(classifyOutput(output), output);
  const text = exit.stdout.trim();
  if (text !== "" && PLAIN_TEXT_CONTEXT.has(event)) {
    return {
      decision: "context",
      output: { hookSpecificOutput: { hookEventName: event, additionalContext: text } },
    };
  }
  return { decision: "allow" };
}

function withOutput(
  run: Omit<AutomationRun, "script" | "durationMs">,
  output: HookOutput | undefined,
): Omit<AutomationRun, "script" | "durationMs"> {
  return output === undefined ? run : { ...run, output };
}

/** Claude Code's rule: stdout is JSON if, after leading whitespace, it starts with `{` and parses. */
function jsonObject(stdout: string): HookOutput | undefined {
  const text = stdout.trimStart();
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
