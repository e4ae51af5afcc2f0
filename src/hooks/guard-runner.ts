import { decideToolCall, GUARDED_TOOLS } from "../safety/guard.js";
import { GUARD_FILE_ENV, type GuardFile, parseGuardFile, policyOf } from "../safety/guard-file.js";
import type { GuardPolicy } from "../safety/paths.js";
import {
  type AutomationInput,
  type AutomationRun,
  type AutomationRunner,
  combineDecisions,
  type Decision,
  failClosedEvents,
  isFailClosed,
} from "./automations.js";
import { isObject } from "./payload.js";

/**
 * The built-in guard as an automation runner: on PreToolUse it decides in-process, before the script
 * automations run, and its run is recorded like theirs (script `builtin:guard`). A deny wins and the
 * scripts are then not run (nothing they say could undo it). Active when CCM_GUARD_FILE names the run's
 * guard file; if that file is missing or corrupt every PreToolUse is denied (fail closed).
 */

export const GUARD_SCRIPT = "builtin:guard";

export interface GuardRunnerOptions {
  /** Reads the guard file (default: fs.readFileSync). */
  readFile?: (path: string) => string;
  /** realpath that answers undefined for a missing path (default: fs.realpathSync.native). */
  realpath?: (path: string) => string | undefined;
}

export function createGuardedRunner(
  inner: AutomationRunner,
  options: GuardRunnerOptions = {},
): AutomationRunner {
  let cached: { path: string; policy: GuardPolicy | undefined; error?: string } | undefined;
  const realpath = options.realpath ?? defaultRealpath;
  const load = (path: string) => {
    if (cached?.path === path) return cached;
    try {
      const text = (options.readFile ?? defaultReadFile)(path);
      const file: GuardFile = parseGuardFile(text);
      cached = { path, policy: file.enabled ? policyOf(file, realpath) : undefined };
    } catch (error) {
      cached = { path, policy: undefined, error: error instanceof Error ? error.message : String(error) };
    }
    return cached;
  };
  return {
    async run(input: AutomationInput): Promise<Decision> {
      const path = input.env[GUARD_FILE_ENV];
      if (input.event !== "PreToolUse" || path === undefined || path === "") return inner.run(input);
      const started = performance.now();
      const run = guardRun(input, load(path), realpath);
      if (run === undefined) return inner.run(input);
      run.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const failClosed = isFailClosed(failClosedEvents(input.env.CCM_FAIL_CLOSED), input.event);
      if (run.decision === "block") return combineDecisions(input.event, [run], { failClosed });
      const rest = await inner.run(input);
      return combineDecisions(input.event, [run, ...rest.runs], { failClosed });
    },
  };
}

function guardRun(
  input: AutomationInput,
  loaded: { policy: GuardPolicy | undefined; error?: string },
  realpath: (path: string) => string | undefined,
): AutomationRun | undefined {
  const block = (reason: string): AutomationRun => ({
    script: GUARD_SCRIPT,
    decision: "block",
    reason,
    durationMs: 0,
  });
  if (loaded.error !== undefined) {
    return block(
      `ccm guard: the guard file cannot be read (${loaded.error}), so every tool call is blocked (fail closed); the task must be restarted by ccm`,
    );
  }
  if (loaded.policy === undefined) return undefined;
  const { tool_name: tool, tool_input: toolInput, cwd } = input.payload;
  if (typeof tool !== "string")
    return block("ccm guard: the hook payload has no tool_name; the call cannot be checked");
  if (!GUARDED_TOOLS.has(tool)) return undefined;
  if (!isObject(toolInput))
    return block(`ccm guard: the ${tool} call has no tool_input object; it cannot be checked`);
  const verdict = decideToolCall(
    { tool, input: toolInput, cwd: typeof cwd === "string" && cwd.startsWith("/") ? cwd : undefined },
    { policy: loaded.policy, io: { realpath }, env: input.env },
  );
  if (verdict.decision === "skip") return undefined;
  return verdict.decision === "deny"
    ? block(verdict.reason)
    : { script: GUARD_SCRIPT, decision: "allow", durationMs: 0 };
}

function defaultReadFile(path: string): string {
  return process.getBuiltinModule("node:fs").readFileSync(path, "utf8");
}

function defaultRealpath(path: string): string | undefined {
  try {
    return process.getBuiltinModule("node:fs").realpathSync.native(path);
  } catch {
    return undefined;
  }
}
