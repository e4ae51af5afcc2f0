/**
 * The task state machine (DESIGN.md §6). Pure: no I/O. Every state change in the product goes through
 * `checkTransition`, and the store records each one with its reason in the same transaction.
 */

export const TASK_STATES = [
  "queued",
  "planning",
  "executing",
  "reviewing",
  "verifying",
  "awaiting_approval",
  "merged",
  "paused",
  "failed",
  "cancelled",
  "rejected",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** The four working stages; a paused task remembers which one it left. */
export const STAGES = ["planning", "executing", "reviewing", "verifying"] as const;
export type Stage = (typeof STAGES)[number];

export const TERMINAL_STATES: readonly TaskState[] = ["merged", "cancelled"];
/** States in which an agent or the verify command is working on the task. */
export const RUNNING_STATES: readonly TaskState[] = STAGES;

const stageExits: readonly TaskState[] = ["paused", "failed", "cancelled"];

/** Legal moves. Stages may be switched off, so a stage can hand over to any later stage. */
const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  queued: ["planning", "executing", "paused", "failed", "cancelled"],
  planning: ["executing", ...stageExits],
  executing: ["reviewing", "verifying", "awaiting_approval", ...stageExits],
  // A review or a failed verification can send the work back to the agent.
  reviewing: ["executing", "verifying", "awaiting_approval", ...stageExits],
  verifying: ["executing", "awaiting_approval", ...stageExits],
  awaiting_approval: ["merged", "rejected", "executing", "cancelled"],
  // Resuming returns to the queue (or straight to the stage it left); the scheduler decides.
  paused: ["queued", ...STAGES, "failed", "cancelled"],
  failed: ["queued", "cancelled"],
  rejected: ["queued", "cancelled"],
  merged: [],
  cancelled: [],
};

export function allowedTransitions(from: TaskState): readonly TaskState[] {
  return TRANSITIONS[from];
}

export function canTransition(from: TaskState, to: TaskState): boolean {
  return TRANSITIONS[from].includes(to);
}

export type TransitionCheck = { ok: true } | { ok: false; message: string; hint: string };

export function checkTransition(from: TaskState, to: TaskState): TransitionCheck {
  if (canTransition(from, to)) return { ok: true };
  const allowed = TRANSITIONS[from];
  return {
    ok: false,
    message: `a task that is ${from} cannot become ${to}`,
    hint:
      allowed.length === 0
        ? `${from} is final; create a new task instead.`
        : `From ${from} a task can become: ${allowed.join(", ")}.`,
  };
}

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.includes(state);
}
