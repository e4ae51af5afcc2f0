import { describe, expect, it } from "vitest";
import { compareQueueOrder, pickRunnable, type QueueEntry } from "./queue.js";
import type { TaskState } from "./task-state.js";

const entry = (id: number, priority: QueueEntry["priority"], createdAt: number, dependsOn: number[] = []) =>
  ({ id, priority, createdAt, state: "queued", dependsOn }) satisfies QueueEntry;

describe("queue order", () => {
  it("orders by priority, then age, then id", () => {
    const entries = [
      entry(1, "low", 1),
      entry(2, "normal", 5),
      entry(3, "urgent", 9),
      entry(4, "normal", 2),
      entry(5, "high", 3),
      entry(6, "normal", 2),
    ];
    expect([...entries].sort(compareQueueOrder).map((e) => e.id)).toEqual([3, 5, 4, 6, 2, 1]);
  });

  it("skips tasks whose dependencies are not merged, and non-queued tasks", () => {
    const states = new Map<number, TaskState>([
      [10, "merged"],
      [11, "awaiting_approval"],
    ]);
    const entries: QueueEntry[] = [
      entry(1, "urgent", 1, [11]),
      entry(2, "normal", 2, [10]),
      { ...entry(3, "urgent", 0), state: "executing" },
      entry(4, "low", 0),
    ];
    expect(pickRunnable(entries, (id) => states.get(id), 10).map((e) => e.id)).toEqual([2, 4]);
    expect(pickRunnable(entries, (id) => states.get(id), 1).map((e) => e.id)).toEqual([2]);
    expect(pickRunnable(entries, (id) => states.get(id), 0)).toEqual([]);
  });
});
