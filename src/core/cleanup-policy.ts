/**
 * Which task worktrees cleanup may remove, decided from gathered facts without I/O (DESIGN §2.5: never
 * lose work). services/cleanup.ts gathers the facts and carries out the decisions.
 */
import type { TaskState } from "./task-state.js";

export interface WorktreeFacts {
  taskId: number;
  state: TaskState;
  /** When the task finished (or last changed, for tasks that have not finished), ms. */
  since: number;
  branch: string;
  /** The worktree's HEAD is on the task branch. */
  onTaskBranch: boolean;
  /** Modified, staged or untracked files (ignored files do not count: git deletes them with the folder). */
  uncommitted: number;
  /** A merge, rebase, cherry-pick, revert or bisect in progress. */
  operation: string | null;
  locked: boolean;
  /** Commits on the task branch that the base branch does not contain. */
  unmerged: number;
  /** A snapshot ref already holds the branch's tip. */
  tipSnapshotted: boolean;
}

export interface CleanupOptions {
  now: number;
  maxAgeDays: number;
  /** The user asks for it: tasks awaiting approval or paused go too (their work is snapshotted first). */
  force: boolean;
}

export type WorktreeDecision =
  | { action: "keep"; reason: string }
  | {
      action: "remove";
      reason: string;
      /** Commit uncommitted files onto the task branch first. */
      checkpoint: boolean;
      /** Take a snapshot ref of the branch tip first. */
      snapshot: boolean;
      /** Delete the task branch afterwards (merged tasks only). */
      deleteBranch: boolean;
    };

const DAY = 24 * 60 * 60 * 1000;
const FINISHED: readonly TaskState[] = ["merged", "rejected", "cancelled", "failed"];
const FORCEABLE: readonly TaskState[] = ["awaiting_approval", "paused"];

export function decideWorktree(f: WorktreeFacts, o: CleanupOptions): WorktreeDecision {
  if (!FINISHED.includes(f.state) && !(o.force && FORCEABLE.includes(f.state))) {
    return {
      action: "keep",
      reason: FORCEABLE.includes(f.state)
        ? `task is ${f.state} (--force removes it, snapshotting its work first)`
        : `task is ${f.state}`,
    };
  }
  const ageDays = (o.now - f.since) / DAY;
  if (ageDays < o.maxAgeDays) {
    return {
      action: "keep",
      reason: `${f.state} ${formatDays(ageDays)} ago; removed after ${o.maxAgeDays} day(s)`,
    };
  }
  if (!f.onTaskBranch) {
    return { action: "keep", reason: `its HEAD is not on ${f.branch}: look at it by hand` };
  }
  if (f.operation) return { action: "keep", reason: `a ${f.operation} is in progress in it` };
  if (f.locked) return { action: "keep", reason: "it is locked (git worktree lock)" };

  const checkpoint = f.uncommitted > 0;
  // A checkpoint makes a new tip, so it always needs a snapshot; so does unmerged work not yet kept.
  const snapshot = checkpoint || (f.unmerged > 0 && !f.tipSnapshotted);
  const deleteBranch = f.state === "merged";
  const work = [
    checkpoint ? `${f.uncommitted} uncommitted file(s) checkpointed` : "",
    f.unmerged > 0 ? `${f.unmerged} unmerged commit(s)` : "",
  ].filter((s) => s !== "");
  const kept = snapshot || f.tipSnapshotted ? "kept in a snapshot ref" : "";
  const why = FINISHED.includes(f.state)
    ? `${f.state} ${formatDays(ageDays)} ago`
    : `${f.state}, removed by --force`;
  return {
    action: "remove",
    reason: [why, work.length > 0 ? `${work.join(", ")}, ${kept}` : "no unmerged work"].join("; "),
    checkpoint,
    snapshot,
    deleteBranch,
  };
}

function formatDays(days: number): string {
  return days >= 1 ? `${Math.floor(days)} day(s)` : `${Math.max(0, Math.round(days * 24))} hour(s)`;
}
