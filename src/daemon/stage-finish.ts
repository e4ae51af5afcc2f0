import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentResult, ExitInfo } from "../agents/adapter.js";
import type { Violation } from "../core/git-checks.js";
import type { LimitBreach } from "../core/limits.js";
import { stageAfter } from "../core/stages.js";
import type { Stage } from "../core/task-state.js";
import { type AgentRun, getAgentRun, updateAgentRun } from "../store/agents.js";
import type { Store } from "../store/db.js";
import { insertEvents } from "../store/events.js";
import {
  addReport,
  commitsForTask,
  finishStageRun,
  type ReportKind,
  recordCommits,
  stageRunOfAgent,
} from "../store/records.js";
import { getTask, type Task, transitionTask } from "../store/tasks.js";
import type { RunnerDeps } from "./runner-deps.js";
import { runFiles } from "./stage-start.js";
import type { TaskPlan } from "./task-plan.js";

const REPORT_KIND: Partial<Record<Stage, ReportKind>> = {
  planning: "plan",
  reviewing: "review",
  verifying: "verify",
};

/** The exit the wrapper recorded, or undefined while the run goes on. */
export function readExit(runDir: string): ExitInfo | undefined {
  try {
    const value = JSON.parse(readFileSync(runFiles(runDir).exit, "utf8")) as ExitInfo;
    const stderr = tailOf(`${runFiles(runDir).log}.stderr`, 4096).trim();
    return { code: value.code ?? null, signal: value.signal ?? null, ...(stderr ? { stderr } : {}) };
  } catch {
    return undefined;
  }
}

function tailOf(file: string, maxBytes = 16 * 1024): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.length > maxBytes ? `…${text.slice(-maxBytes)}` : text;
  } catch {
    return "";
  }
}

/**
 * Ends a stage once its process has exited: checkpoint-commits leftovers (never lose work), then in ONE
 * transaction records the result, the commits, the report, finishes the stage run and moves the task on.
 * If the daemon dies before that transaction, the next daemon repeats this from the same exit file; the
 * stage-run guard makes sure a finished stage is never finished (or run) twice.
 */
export async function finishStage(
  deps: RunnerDeps,
  task: Task,
  plan: TaskPlan | undefined,
  run: AgentRun,
  exit: ExitInfo,
  lastResult: AgentResult | undefined,
  stopReason?: string,
): Promise<void> {
  const { store } = deps;
  const files = runFiles(run.runDir);
  let result: AgentResult;
  if (run.kind === "verify") {
    const output = tailOf(files.log) + tailOf(`${files.log}.stderr`, 4096);
    result =
      exit.code === 0
        ? { ok: true, text: output }
        : { ok: false, text: output, error: `the verify command exited with ${exit.code ?? exit.signal}` };
  } else {
    result = deps.adapter(run.kind).finish(exit, lastResult);
  }
  if (stopReason) result = { ...result, ok: false, error: stopReason };
  const worktreeGone = task.worktreePath !== null && !existsSync(join(task.worktreePath, ".git"));
  if (worktreeGone) {
    // Deleted under the agent (by hand, a cleanup tool): whatever the agent says, its work is not there.
    result = {
      ...result,
      ok: false,
      error: `the task's worktree ${task.worktreePath} disappeared while the agent ran; the branch ${task.branch ?? "(none)"} keeps what was committed before`,
    };
  }

  // Post-run git checks come first: with HEAD on another branch a checkpoint would commit onto that branch.
  const violations = worktreeGone ? [] : await postRunViolations(deps, task, run);
  if (violations.length > 0) {
    result = {
      ...result,
      ok: false,
      error: `git checks failed after ${run.stage}: ${violations.map((v) => v.message).join("; ")}`,
    };
  }
  const headMoved = violations.some((v) => v.code === "head");

  let checkpoint: string | null = null;
  let commits: { sha: string; subject: string; checkpoint: boolean }[] = [];
  if (task.worktreePath && task.baseCommit && run.kind !== "verify" && !headMoved) {
    try {
      checkpoint = await deps.git.checkpointCommit(
        task.worktreePath,
        `ccm: checkpoint after ${run.stage} (task #${task.id})`,
      );
      commits = (await deps.git.commitsSince(task.worktreePath, task.baseCommit)).map((c) => ({
        ...c,
        checkpoint: c.sha === checkpoint,
      }));
    } catch (error) {
      deps.log.error({ taskId: task.id, err: error }, "checkpoint commit failed");
    }
  }
  // Limits at stage end: a breach pauses the task before its next stage (the agent has already stopped).
  let breach: LimitBreach | null = null;
  if (deps.safety && result.ok && !headMoved) {
    await deps.safety
      .periodicSnapshot(task)
      .catch((error: unknown) => deps.log.error({ taskId: task.id, err: error }, "snapshot failed"));
    breach = await deps.safety.measure(task).catch((error: unknown) => {
      deps.log.error({ taskId: task.id, err: error }, "measuring the worktree failed");
      return null;
    });
  }

  store.transaction(() => {
    const stageRun = stageRunOfAgent(store, run.id);
    // Stopped by the pause gate after a tool call: the stage is unfinished, not done (see pause-gate.ts).
    const cutShort = result.ok && (getAgentRun(store, run.id)?.gateStoppedAt ?? null) !== null;
    updateAgentRun(store, run.id, {
      status: "exited",
      exitCode: exit.code,
      result,
      endedAt: store.clock(),
      currentTool: null,
    });
    if (cutShort) {
      if (!stageRun || !finishStageRun(store, task.id, run.stage, stageRun.attempt, "failed")) return;
      recordCommits(store, task.id, commits);
      pauseCutShort(deps, task.id, run, result.sessionId);
      return;
    }
    if (
      !stageRun ||
      !finishStageRun(store, task.id, run.stage, stageRun.attempt, result.ok ? "done" : "failed")
    )
      return;
    recordCommits(store, task.id, commits);
    if (violations.length > 0) {
      insertEvents(store, [
        {
          taskId: task.id,
          agentId: run.id,
          source: "daemon",
          event: "git_violation",
          payload: { stage: run.stage, violations },
        },
      ]);
    }
    const kind = REPORT_KIND[run.stage];
    if (kind) {
      const body =
        result.text || result.error || (kind === "verify" ? "(the verify command printed nothing)" : "");
      addReport(store, task.id, kind, body, result.ok ? "pass" : "fail");
    }
    const current = getTask(store, task.id);
    if (current.state !== run.stage) return; // cancelled or paused meanwhile: the stop path owns it
    const patch = {
      ...(result.sessionId ? { sessionId: result.sessionId } : {}),
      ...(run.stage === "executing" ? { pendingPrompt: null } : {}),
    };
    if (!result.ok) {
      const reason = `${run.stage} failed: ${result.error ?? "the agent reported an error"}`;
      transitionTask(store, task.id, "failed", {
        reason,
        actor: "daemon",
        expectedFrom: run.stage,
        patch: { ...patch, failureReason: `${reason}\nlog: ${files.log}` },
      });
      return;
    }
    const next = plan ? stageAfter(run.stage, plan.switches) : "done";
    const all = commitsForTask(store, task.id);
    const checkpoints = all.filter((c) => c.checkpoint).length;
    if (breach) raiseLimitAlert(store, task.id, run.id, breach, next === "done" ? "flagged" : "paused");
    if (breach && next !== "done") {
      // Paused where the next stage would start: resuming runs that stage, not this one again.
      transitionTask(store, task.id, next, {
        reason: `${run.stage} done`,
        actor: "daemon",
        expectedFrom: run.stage,
        patch,
      });
      transitionTask(store, task.id, "paused", {
        reason: `limit exceeded: ${breach.message}`,
        actor: "daemon",
        expectedFrom: next,
      });
      return;
    }
    transitionTask(store, task.id, next === "done" ? "awaiting_approval" : next, {
      reason:
        next === "done"
          ? `${run.stage} done; ${all.length} commit(s) ready for review${checkpoints ? ` (${checkpoints} checkpoint)` : ""}`
          : `${run.stage} done`,
      actor: "daemon",
      expectedFrom: run.stage,
      patch,
    });
  });
  deps.log.info({ taskId: task.id, agentId: run.id, stage: run.stage, ok: result.ok }, "stage finished");
}

/** The post-run git checks of the run's stage; a check that cannot run counts as failed (fail closed). */
async function postRunViolations(deps: RunnerDeps, task: Task, run: AgentRun): Promise<Violation[]> {
  if (!deps.safety) return [];
  try {
    return await deps.safety.checkStage(task, run.runDir);
  } catch (error) {
    deps.log.error({ taskId: task.id, err: error }, "post-run git checks failed to run");
    return [{ code: "head", message: `the repository could not be checked: ${(error as Error).message}` }];
  }
}

/** An alert for the alert routing (built elsewhere): an event of kind `alert`. */
export function raiseLimitAlert(
  store: Store,
  taskId: number,
  agentId: number | null,
  breach: LimitBreach,
  outcome: "paused" | "flagged",
): void {
  insertEvents(store, [
    {
      taskId,
      agentId,
      source: "daemon",
      event: "alert",
      payload: {
        level: "warning",
        code: "limit_exceeded",
        message: `task #${taskId} ${outcome === "paused" ? "paused" : "exceeded a limit"}: ${breach.message}`,
        outcome,
        limit: breach.limit,
        max: breach.max,
        value: breach.value,
      },
    },
  ]);
}

/**
 * The run stopped at the pause gate: the task becomes paused in the same stage, and the session to resume
 * is kept. The pause request (reason, actor) becomes the transition's reason.
 */
function pauseCutShort(deps: RunnerDeps, taskId: number, run: AgentRun, sessionId: string | undefined): void {
  const current = getTask(deps.store, taskId);
  if (current.state !== run.stage) return;
  const request = current.pauseRequest;
  const session = sessionId ?? getAgentRun(deps.store, run.id)?.sessionId ?? current.sessionId;
  transitionTask(deps.store, taskId, "paused", {
    reason: `${request?.reason ?? "paused"} (the agent stopped after a tool call; its session resumes later)`,
    actor: request?.actor ?? "daemon",
    expectedFrom: run.stage,
    patch: {
      pausedBy: request?.kind ?? "manual",
      ...(session ? { sessionId: session, resumeSessionId: session } : {}),
    },
  });
}
