import type { AgentMode } from "../agents/adapter.js";
import type { StageSwitches } from "../core/stages.js";
import { CcmError } from "../errors.js";
import { type AgentRun, agentRunsForTask } from "../store/agents.js";
import type { Store } from "../store/db.js";
import { commitsForTask, type Report, reportsForTask, type TaskCommit } from "../store/records.js";
import {
  createTask,
  getTask,
  getTransitions,
  type NewTask,
  type Task,
  type Transition,
  transitionTask,
} from "../store/tasks.js";

/** Task operations shared by the CLI (`ccm task ...`) and the HTTP API. */

export const SKIPPABLE_STAGES = ["planning", "reviewing", "verifying"] as const;
export type SkippableStage = (typeof SKIPPABLE_STAGES)[number];

/** A new task as the CLI and the API take it: the stored options given as separate fields. */
export interface QueueTaskInput extends Omit<NewTask, "options"> {
  mode?: AgentMode;
  skip?: readonly string[];
}

export function queueTask(store: Store, input: QueueTaskInput, limits: { maxQueueSize: number }): Task {
  return createTask(
    store,
    {
      project: input.project,
      prompt: input.prompt,
      ...(input.priority ? { priority: input.priority } : {}),
      ...(input.title ? { title: input.title } : {}),
      ...(input.agent ? { agent: input.agent } : {}),
      ...(input.actor ? { actor: input.actor } : {}),
      dependsOn: input.dependsOn ?? [],
      options: {
        ...(input.mode ? { mode: input.mode } : {}),
        ...(input.skip && input.skip.length > 0 ? { stages: skippedStages(input.skip) } : {}),
      },
    },
    limits,
  );
}

export function skippedStages(names: readonly string[]): Partial<StageSwitches> {
  const out: Partial<StageSwitches> = {};
  for (const name of names) {
    if (!(SKIPPABLE_STAGES as readonly string[]).includes(name)) {
      throw new CcmError("INVALID_ARGUMENT", `--skip ${name}: not a stage that can be skipped`, {
        hint: `Choose from: ${SKIPPABLE_STAGES.join(", ")} (executing always runs).`,
      });
    }
    out[name as SkippableStage] = false;
  }
  return out;
}

export interface TaskDetail extends Task {
  transitions: Transition[];
  reports: Report[];
  commits: TaskCommit[];
  agents: AgentRun[];
}

/** A task with its history, reports, commits and agent runs (`ccm task show --json`, GET /api/tasks/:id). */
export function taskDetail(store: Store, id: number): TaskDetail {
  const task = getTask(store, id);
  return {
    ...task,
    transitions: getTransitions(store, id),
    reports: reportsForTask(store, id),
    commits: commitsForTask(store, id),
    agents: agentRunsForTask(store, id),
  };
}

/**
 * Cancels a task; its branch and worktree, if any, are kept, and work on the branch gets a snapshot ref (a
 * running agent's leftovers are snapshotted by the daemon once it has stopped the agent and checkpointed).
 */
export async function cancelTask(
  store: Store,
  id: number,
  reason = "cancelled by user",
  actor = "cli",
): Promise<Task> {
  const cancelled = transitionTask(store, id, "cancelled", { reason, actor });
  // Loaded here: snapshots need git (execa), which `ccm task list` and friends should not load.
  const { snapshotIfWork } = await import("./snapshots.js");
  await snapshotIfWork(store, cancelled, "cancelled with work");
  return cancelled;
}
