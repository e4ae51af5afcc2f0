import { readFileSync } from "node:fs";
import type { AgentResult, ExitInfo } from "../agents/adapter.js";
import { stageAfter } from "../core/stages.js";
import type { Stage } from "../core/task-state.js";
import { type AgentRun, getAgentRun, updateAgentRun } from "../store/agents.js";
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

  let checkpoint: string | null = null;
  let commits: { sha: string; subject: string; checkpoint: boolean }[] = [];
  if (task.worktreePath && task.baseCommit && run.kind !== "verify") {
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
