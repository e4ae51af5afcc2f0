import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ccmRejection, SEALED_GIT_ENV } from "../runtime/test-helpers.js";
import { commitsForTask, recordCommits } from "../store/records.js";
import { snapshotsForTask } from "../store/snapshots.js";
import { periodicSnapshot, rollbackTask, snapshotIfWork, takeSnapshot } from "./snapshots.js";
import { lifecycleWorld } from "./test-helpers.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("snapshots", () => {
  it("takes one every N commits on the task branch, counting from the newest snapshot", async () => {
    await using w = await lifecycleWorld();
    const task = await w.task("executing");
    const wt = task.worktreePath!;
    const shas: string[] = [];
    for (let i = 1; i <= 5; i++) {
      shas.push(await w.repo.commit(`c${i}`, { [`f${i}.txt`]: `${i}\n` }, wt));
      await periodicSnapshot(w.store, task, 2);
    }
    expect(snapshotsForTask(w.store, task.id).map((s) => [s.n, s.commit, s.reason])).toEqual([
      [1, shas[1], "every 2 commits"],
      [2, shas[3], "every 2 commits"],
    ]);
    expect(await w.snapshotRefs()).toEqual({
      [`refs/ccm/snapshots/task-${task.id}/1`]: shas[1],
      [`refs/ccm/snapshots/task-${task.id}/2`]: shas[3],
    });
  });

  it("snapshotIfWork keeps a branch with commits and ignores one without", async () => {
    await using w = await lifecycleWorld();
    const idle = await w.task("cancelled");
    expect(await snapshotIfWork(w.store, idle, "cancelled with work")).toBeNull();
    const busy = await w.task("cancelled");
    const sha = await w.repo.commit("work", { "w.txt": "w\n" }, busy.worktreePath!);
    expect(await snapshotIfWork(w.store, busy, "cancelled with work")).toMatchObject({ n: 1, commit: sha });
    // The same tip again: the snapshot that holds it, no new ref.
    expect((await snapshotIfWork(w.store, busy, "again"))?.n).toBe(1);
  });
});

describe("rollbackTask", () => {
  it("resets branch and worktree to a snapshot, keeping the state it left as a new snapshot", async () => {
    await using w = await lifecycleWorld();
    const task = await w.task("executing");
    const wt = task.worktreePath!;
    const good = await w.repo.commit("good", { "a.txt": "good\n" }, wt);
    recordCommits(w.store, task.id, [{ sha: good, subject: "good", checkpoint: false }]);
    await takeSnapshot(w.store, task, "test");
    const bad = await w.repo.commit("bad", { "a.txt": "bad\n" }, wt);
    recordCommits(w.store, task.id, [{ sha: bad, subject: "bad", checkpoint: false }]);
    expect((await ccmRejection(rollbackTask(w.store, task.id))).code).toBe("INVALID_TRANSITION");

    const { transitionTask } = await import("../store/tasks.js");
    transitionTask(w.store, task.id, "failed", { reason: "test", actor: "test" });
    const result = await rollbackTask(w.store, task.id);
    expect(result.to.n).toBe(1);
    expect(result.saved).toMatchObject({ n: 2, commit: bad, reason: "before rollback to 1" });
    expect(await w.repo.git(["rev-parse", `refs/heads/${task.branch}`])).toBe(good);
    expect(readFileSync(join(wt, "a.txt"), "utf8")).toBe("good\n");
    expect(commitsForTask(w.store, task.id).map((c) => c.subject)).toEqual(["good"]);
    // And back again: the rollback is undone by rolling back to the snapshot it took.
    await rollbackTask(w.store, task.id, { to: 2 });
    expect(readFileSync(join(wt, "a.txt"), "utf8")).toBe("bad\n");
    // main never moved.
    expect(await w.repo.git(["rev-parse", "main"])).toBe(task.baseCommit);
  });

  it("refuses a worktree with uncommitted work unless --force, which snapshots it first", async () => {
    await using w = await lifecycleWorld();
    const task = await w.task("failed");
    const wt = task.worktreePath!;
    await w.repo.commit("one", { "a.txt": "1\n" }, wt);
    await takeSnapshot(w.store, task, "test");
    await w.repo.commit("two", { "a.txt": "2\n" }, wt);
    await w.repo.write("a.txt", "uncommitted\n", wt);
    await w.repo.write("new.txt", "untracked\n", wt);
    const refused = await ccmRejection(rollbackTask(w.store, task.id));
    expect(refused.message).toContain("uncommitted work");
    expect(refused.hint).toContain("--force");
    expect(readFileSync(join(wt, "a.txt"), "utf8")).toBe("uncommitted\n");

    const result = await rollbackTask(w.store, task.id, { force: true });
    expect(readFileSync(join(wt, "a.txt"), "utf8")).toBe("1\n");
    expect(existsSync(join(wt, "new.txt"))).toBe(false);
    // The discarded state is in the snapshot, untracked file included.
    const saved = result.saved!.ref;
    expect(await w.repo.git(["show", `${saved}:a.txt`])).toBe("uncommitted");
    expect(await w.repo.git(["show", `${saved}:new.txt`])).toBe("untracked");
  });

  it("without a worktree moves only the task branch, and refuses one checked out on another branch", async () => {
    await using w = await lifecycleWorld();
    const task = await w.task("rejected");
    const wt = task.worktreePath!;
    const one = await w.repo.commit("one", { "a.txt": "1\n" }, wt);
    await takeSnapshot(w.store, task, "test");
    await w.repo.commit("two", { "a.txt": "2\n" }, wt);
    await w.repo.git(["checkout", "-q", "-b", "elsewhere"], wt);
    expect((await ccmRejection(rollbackTask(w.store, task.id))).message).toContain("is on elsewhere");
    await w.repo.git(["worktree", "remove", "--force", wt]);
    const before = await w.repo.git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"]);
    await rollbackTask(w.store, task.id);
    const after = await w.repo.git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"]);
    const changed = after.split("\n").filter((l) => !before.split("\n").includes(l));
    expect(changed).toEqual([`refs/heads/${task.branch} ${one}`]);
  });

  it("refuses unknown snapshots and tasks without any, saying how to list them", async () => {
    await using w = await lifecycleWorld();
    const task = await w.task("failed");
    expect((await ccmRejection(rollbackTask(w.store, task.id))).message).toContain("has no snapshots");
    await w.repo.commit("one", { "a.txt": "1\n" }, task.worktreePath!);
    await takeSnapshot(w.store, task, "test");
    const unknown = await ccmRejection(rollbackTask(w.store, task.id, { to: 9 }));
    expect(unknown.message).toContain("no snapshot 9");
    expect(unknown.hint).toContain(`ccm task snapshots ${task.id}`);
    expect((await ccmRejection(rollbackTask(w.store, task.id))).message).toContain("current tip");
  });
});
