import { describe, expect, it } from "vitest";
import {
  allowedTransitions,
  checkTransition,
  isTerminal,
  TASK_STATES,
  type TaskState,
} from "./task-state.js";

// The expected table, written out independently of the implementation's table.
const LEGAL: Record<TaskState, TaskState[]> = {
  queued: ["planning", "executing", "paused", "failed", "cancelled"],
  planning: ["executing", "paused", "failed", "cancelled"],
  executing: ["reviewing", "verifying", "awaiting_approval", "paused", "failed", "cancelled"],
  reviewing: ["executing", "verifying", "awaiting_approval", "paused", "failed", "cancelled"],
  verifying: ["executing", "awaiting_approval", "paused", "failed", "cancelled"],
  awaiting_approval: ["merged", "rejected", "executing", "cancelled"],
  paused: ["queued", "planning", "executing", "reviewing", "verifying", "failed", "cancelled"],
  failed: ["queued", "cancelled"],
  rejected: ["queued", "cancelled"],
  merged: [],
  cancelled: [],
};

describe("task state machine", () => {
  const pairs = TASK_STATES.flatMap((from) => TASK_STATES.map((to) => [from, to] as const));

  it.each(pairs)("%s -> %s is legal exactly when the table says so", (from, to) => {
    const result = checkTransition(from, to);
    expect(result.ok).toBe(LEGAL[from].includes(to));
    if (!result.ok) {
      expect(result.message).toContain(from);
      expect(result.message).toContain(to);
      expect(result.hint.length).toBeGreaterThan(0);
    }
  });

  it("covers every state of DESIGN.md §6", () => {
    expect([...TASK_STATES].sort()).toEqual(Object.keys(LEGAL).sort());
  });

  it("has exactly two terminal states, with no way out", () => {
    const terminal = TASK_STATES.filter(isTerminal);
    expect(terminal.sort()).toEqual(["cancelled", "merged"]);
    for (const s of terminal) expect(allowedTransitions(s)).toEqual([]);
    expect(checkTransition("merged", "queued")).toMatchObject({
      ok: false,
      hint: expect.stringContaining("final"),
    });
  });

  it("never allows a state to transition to itself", () => {
    for (const s of TASK_STATES) expect(checkTransition(s, s).ok).toBe(false);
  });
});
