import type { Stage } from "./task-state.js";

/** Which optional stages a task goes through; executing always runs. */
export interface StageSwitches {
  planning: boolean;
  reviewing: boolean;
  verifying: boolean;
}

export const ALL_STAGES_ON: StageSwitches = { planning: true, reviewing: true, verifying: true };

const ORDER: readonly Stage[] = ["planning", "executing", "reviewing", "verifying"];

export function isStageOn(stage: Stage, switches: StageSwitches): boolean {
  return stage === "executing" || switches[stage];
}

export function firstStage(switches: StageSwitches): Stage {
  return ORDER.find((s) => isStageOn(s, switches))!;
}

/** The stage after `stage`, or "done" when the work is ready for approval. */
export function stageAfter(stage: Stage, switches: StageSwitches): Stage | "done" {
  const next = ORDER.slice(ORDER.indexOf(stage) + 1).find((s) => isStageOn(s, switches));
  return next ?? "done";
}

/** Per-task switches override the project's: a task may turn a stage off (or on) for itself only. */
export function mergeSwitches(
  project: StageSwitches,
  task: Partial<StageSwitches> | undefined,
): StageSwitches {
  return { ...project, ...(task ?? {}) };
}
