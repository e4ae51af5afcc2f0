/** Priorities, highest first. The rank is stored with each task so the queue index can order by it. */
export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

export function isPriority(value: string): value is Priority {
  return (PRIORITIES as readonly string[]).includes(value);
}

export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}
