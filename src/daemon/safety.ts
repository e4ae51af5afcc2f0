import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/load.js";
import type { GitState, Violation } from "../core/git-checks.js";
import { type LimitBreach, limitBreach } from "../core/limits.js";
import { agentGitEnv, REF_LOG_FILE, writeAgentHooks } from "../runtime/git-backstop.js";
import { captureGitState, checkAfterRun } from "../runtime/git-checks.js";
import { measureWorktree } from "../runtime/limits.js";
import { periodicSnapshot, snapshotIfWork } from "../services/snapshots.js";
import type { Store } from "../store/db.js";
import type { Task } from "../store/tasks.js";

/**
 * The worktree safety around each stage (issue 4): git backstops in the agent's environment, a baseline
 * of the repository before the stage and the post-run checks against it, resource limits, and snapshots.
 * The runner calls it through this interface; runner tests leave it out.
 */
export interface SafetyControl {
  /** How often a working task's limits are measured (ms). */
  readonly checkEveryMs: number;
  /** Before a stage starts: records the baseline; returns the environment that installs the backstops. */
  prepareStage(task: Task, runDir: string, worktree: string): Promise<Record<string, string>>;
  /** After the stage's process exited: what the run did that it may not. */
  checkStage(task: Task, runDir: string): Promise<Violation[]>;
  /** The first resource limit the task's worktree exceeds, or null. */
  measure(task: Task): Promise<LimitBreach | null>;
  /** A snapshot every safety.snapshots.every_commits commits. */
  periodicSnapshot(task: Task): Promise<void>;
  /** A snapshot of the branch if it holds work (cancelled or rejected tasks). */
  snapshotIfWork(task: Task, reason: string): Promise<void>;
}

const BASELINE_FILE = "git-baseline.json";

export function createSafety(deps: { store: Store; config: Config; log: Logger }): SafetyControl {
  const { store, config, log } = deps;
  const safety = config.safety;
  return {
    checkEveryMs: safety.limits.check_every_seconds * 1000,

    async prepareStage(task, runDir, worktree) {
      // One hooks folder per task, beside its runs; rewritten each stage so it is never stale.
      const hooks = join(dirname(runDir), "git-hooks");
      writeAgentHooks(hooks, task.id);
      const baseline = await captureGitState(worktree);
      writeFileSync(join(runDir, BASELINE_FILE), JSON.stringify(baseline), { mode: 0o600 });
      return agentGitEnv(hooks, join(runDir, REF_LOG_FILE));
    },

    async checkStage(task, runDir) {
      const file = join(runDir, BASELINE_FILE);
      // Runs started before this check existed have no baseline: nothing to compare with.
      if (!task.worktreePath || !existsSync(file)) return [];
      if (!existsSync(task.worktreePath)) {
        return [{ code: "head", message: `the worktree ${task.worktreePath} is gone` }];
      }
      const before = JSON.parse(readFileSync(file, "utf8")) as GitState;
      const { violations } = await checkAfterRun({
        worktree: task.worktreePath,
        before,
        taskBranch: task.branch ?? `ccm/task-${task.id}`,
        baseBranch: task.baseBranch ?? "",
        refLog: join(runDir, REF_LOG_FILE),
      });
      return violations;
    },

    async measure(task) {
      if (!task.worktreePath || !task.baseCommit || !existsSync(task.worktreePath)) return null;
      const measured = await measureWorktree(
        task.worktreePath,
        task.baseCommit,
        task.branch ?? `ccm/task-${task.id}`,
      );
      return limitBreach(measured, safety.limits);
    },

    async periodicSnapshot(task) {
      const taken = await periodicSnapshot(store, task, safety.snapshots.every_commits);
      if (taken) log.info({ taskId: task.id, ref: taken.ref }, "snapshot taken");
    },

    async snapshotIfWork(task, reason) {
      const taken = await snapshotIfWork(store, task, reason);
      if (taken) log.info({ taskId: task.id, ref: taken.ref, reason }, "snapshot taken");
    },
  };
}
