import { describe, expect, it } from "vitest";
import { decideWorktree, type WorktreeFacts } from "./cleanup-policy.js";

const DAY = 86_400_000;
const now = 100 * DAY;
const options = { now, maxAgeDays: 7, force: false };

function facts(patch: Partial<WorktreeFacts> = {}): WorktreeFacts {
  return {
    taskId: 1,
    state: "merged",
    since: now - 8 * DAY,
    branch: "ccm/task-1",
    onTaskBranch: true,
    uncommitted: 0,
    operation: null,
    locked: false,
    unmerged: 0,
    tipSnapshotted: false,
    ...patch,
  };
}

describe("decideWorktree", () => {
  it("removes an old merged worktree and deletes its branch, without a snapshot when nothing is unmerged", () => {
    expect(decideWorktree(facts(), options)).toMatchObject({
      action: "remove",
      checkpoint: false,
      snapshot: false,
      deleteBranch: true,
    });
  });

  it("keeps work: uncommitted files are checkpointed and snapshotted, unmerged commits snapshotted", () => {
    for (const state of ["rejected", "cancelled", "failed"] as const) {
      expect(decideWorktree(facts({ state, uncommitted: 2 }), options)).toMatchObject({
        action: "remove",
        checkpoint: true,
        snapshot: true,
        deleteBranch: false,
      });
      expect(decideWorktree(facts({ state, unmerged: 3 }), options)).toMatchObject({ snapshot: true });
      expect(decideWorktree(facts({ state, unmerged: 3, tipSnapshotted: true }), options)).toMatchObject({
        snapshot: false,
      });
    }
    // A squash-merged branch is deleted: its own commits go into a snapshot first.
    expect(decideWorktree(facts({ unmerged: 2 }), options)).toMatchObject({
      snapshot: true,
      deleteBranch: true,
    });
  });

  it("keeps young, unfinished, moved, busy and locked worktrees, saying why", () => {
    const reason = (f: Partial<WorktreeFacts>, o = options) => {
      const d = decideWorktree(facts(f), o);
      return d.action === "keep" ? d.reason : `removed: ${d.reason}`;
    };
    expect(reason({ since: now - 2 * DAY })).toBe("merged 2 day(s) ago; removed after 7 day(s)");
    expect(reason({ state: "awaiting_approval" })).toContain("--force");
    expect(reason({ state: "executing" })).toBe("task is executing");
    expect(reason({ state: "executing" }, { ...options, force: true })).toBe("task is executing");
    expect(reason({ onTaskBranch: false })).toContain("not on ccm/task-1");
    expect(reason({ operation: "rebase-merge" })).toContain("rebase-merge");
    expect(reason({ locked: true })).toContain("locked");
  });

  it("--force takes tasks awaiting approval or paused, snapshotting their work", () => {
    expect(
      decideWorktree(facts({ state: "paused", unmerged: 1 }), { ...options, force: true }),
    ).toMatchObject({
      action: "remove",
      snapshot: true,
      deleteBranch: false,
    });
  });
});
