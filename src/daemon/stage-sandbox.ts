import type { LaunchSpec } from "../agents/adapter.js";
import { userHome } from "../config/paths.js";
import { type SandboxChoice, sandboxCommand, sandboxPolicy } from "../runtime/sandbox.js";
import { insertEvents } from "../store/events.js";
import type { RunnerDeps } from "./runner-deps.js";

/** The daemon's view of the OS sandbox: chosen once from safety.sandbox (wiring.ts memoises the probe). */
export interface SandboxControl {
  /** Throws a CcmError when safety.sandbox names a sandbox that cannot run here. */
  choose(): SandboxChoice;
}

/**
 * Confines an agent that has no hooks (a custom agent) with the OS sandbox. Without one (auto, and bwrap
 * missing) the run goes ahead unconfined, and the task's events and the daemon log say so and how to fix
 * it; an explicit `safety.sandbox: bwrap` that cannot run fails the start instead.
 */
export function confineLaunch(
  deps: Pick<RunnerDeps, "store" | "log" | "config" | "paths"> & { sandbox: SandboxControl },
  launch: LaunchSpec,
  run: { taskId: number; agentId: number; worktree: string; runDir: string },
): LaunchSpec {
  const choice = deps.sandbox.choose();
  const fields = { taskId: run.taskId, agentId: run.agentId };
  if (choice.kind === "none") {
    if (choice.warning !== undefined) {
      deps.log.warn({ ...fields, warning: choice.warning }, "agent runs without an OS sandbox");
      insertEvents(deps.store, [
        {
          taskId: run.taskId,
          agentId: run.agentId,
          source: "daemon",
          event: "SandboxUnavailable",
          payload: { message: choice.warning },
        },
      ]);
    }
    return launch;
  }
  const guard = deps.config.safety.guard;
  const policy = sandboxPolicy({
    worktree: run.worktree,
    runDir: run.runDir,
    home: userHome(),
    ccmHome: deps.paths.home,
    allowWrite: guard.allow_write,
    denyRead: guard.deny_read,
    allowRead: guard.allow_read,
  });
  deps.log.info({ ...fields, sandbox: choice.kind, writable: policy.writable }, "agent sandboxed");
  return { ...launch, ...sandboxCommand(choice, policy, launch.command, launch.args) };
}
