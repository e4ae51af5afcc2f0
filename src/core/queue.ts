import { type Priority, priorityRank } from "./priority.js";
import type { TaskState } from "./task-state.js";

/**
 * Queue order, as pure functions over plain data. The store runs the same order in SQL (with an index);
 * these functions define it and are what the tests pin down.
 */
export interface QueueEntry {
  id: number;
  priority: Priority;
  createdAt: number;
  state: TaskState;
  dependsOn: readonly number[];
}

/** urgent > high > normal > low, then oldest first, then lowest id (stable for equal timestamps). */
export function compareQueueOrder(a: QueueEntry, b: QueueEntry): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || a.createdAt - b.createdAt || a.id - b.id;
}

/** The state a dependency must reach before its dependents may start: its work is in the base branch. */
export const DEPENDENCY_DONE: TaskState = "merged";

/** The next tasks to start, at most `slots` of them, in queue order, skipping any whose dependencies are not done. */
export function pickRunnable(
  entries: readonly QueueEntry[],
  stateOf: (id: number) => TaskState | undefined,
  slots: number,
): QueueEntry[] {
  if (slots <= 0) return [];
  return entries
    .filter((e) => e.state === "queued" && e.dependsOn.every((d) => stateOf(d) === DEPENDENCY_DONE))
    .sort(compareQueueOrder)
    .slice(0, slots);
}
