import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SEALED_GIT_ENV } from "../runtime/test-helpers.js";
import { getSetting } from "../store/settings.js";
import { CLEANUP_LAST_RUN, runCleanup } from "./cleanup.js";
import { lifecycleWorld } from "./test-helpers.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const DAY = 86_400_000;

describe("runCleanup against real worktrees", () => {
  it("dry run lists and changes nothing; the real run never loses uncommitted or unmerged work", async () => {
    await using w = await lifecycleWorld();
    const runsDir = join(w.repo.scratch, "runs");
    const failed = await w.task("failed");
    const committed = await w.repo.commit("unmerged work", { "f.txt": "f\n" }, failed.worktreePath!);
    await w.repo.write("wip.txt", "uncommitted\n", failed.worktreePath!);
    const merged = await w.task("merged");
    const waiting = await w.task("awaiting_approval");
    await w.repo.commit("waiting work", { "a.txt": "a\n" }, waiting.worktreePath!);
    const running = await w.task("executing");
    mkdirSync(join(runsDir, `task-${failed.id}`), { recursive: true });
    writeFileSync(join(runsDir, `task-${failed.id}`, "stream.log"), "log\n");
    const deps = { store: w.store, runsDir, maxAgeDays: 7 };
    const later = w.store.clock() + 8 * DAY;

    const dry = await runCleanup(deps, { dryRun: true, now: later });
    const byTask = (id: number) => dry.items.find((i) => i.kind === "worktree" && i.taskId === id);
    expect(byTask(failed.id)).toMatchObject({ action: "remove", checkpoint: true, snapshot: true });
    expect(byTask(merged.id)).toMatchObject({ action: "remove", deleteBranch: true });
    expect(byTask(waiting.id)?.action).toBe("keep");
    expect(byTask(running.id)?.reason).toBe("task is executing");
    expect(existsSync(failed.worktreePath!)).toBe(true);
    expect(await w.snapshotRefs()).toEqual({});
    expect(getSetting(w.store, CLEANUP_LAST_RUN)).toBeUndefined();

    const real = await runCleanup(deps, { now: later });
    expect(real.items.filter((i) => i.error)).toEqual([]);
    expect(existsSync(failed.worktreePath!)).toBe(false);
    expect(existsSync(merged.worktreePath!)).toBe(false);
    expect(existsSync(waiting.worktreePath!)).toBe(true);
    expect(existsSync(running.worktreePath!)).toBe(true);
    // The failed task's commit and its uncommitted file are reachable from a snapshot ref.
    expect(await w.keptBySnapshot(committed)).toBe(true);
    const ref = real.items.find((i) => i.taskId === failed.id && i.kind === "worktree")?.snapshotRef ?? "";
    expect(await w.repo.git(["show", `${ref}:wip.txt`])).toBe("uncommitted");
    // Unmerged branches stay; the merged task's branch goes.
    expect(await w.repo.git(["branch", "--list", failed.branch!])).not.toBe("");
    expect(await w.repo.git(["branch", "--list", merged.branch!])).toBe("");
    expect(existsSync(join(runsDir, `task-${failed.id}`))).toBe(false);
    expect(getSetting(w.store, CLEANUP_LAST_RUN)).toBe(String(later));
  });

  it("keeps young worktrees unless --older-than says otherwise; --force takes waiting tasks, with a snapshot", async () => {
    await using w = await lifecycleWorld();
    const deps = { store: w.store, runsDir: join(w.repo.scratch, "runs"), maxAgeDays: 7 };
    const rejected = await w.task("rejected");
    const waiting = await w.task("awaiting_approval");
    const work = await w.repo.commit("waiting work", { "a.txt": "a\n" }, waiting.worktreePath!);
    const first = await runCleanup(deps);
    expect(first.items.find((i) => i.taskId === rejected.id)?.reason).toMatch(/removed after 7 day/);
    expect(existsSync(rejected.worktreePath!)).toBe(true);

    await runCleanup(deps, { olderThanDays: 0 });
    expect(existsSync(rejected.worktreePath!)).toBe(false);
    expect(existsSync(waiting.worktreePath!)).toBe(true);
    await runCleanup(deps, { olderThanDays: 0, force: true });
    expect(existsSync(waiting.worktreePath!)).toBe(false);
    expect(await w.keptBySnapshot(work)).toBe(true);
  });

  it("never removes a worktree whose HEAD left the task branch, and prunes folders deleted by hand", async () => {
    await using w = await lifecycleWorld();
    const deps = { store: w.store, runsDir: join(w.repo.scratch, "runs"), maxAgeDays: 0 };
    const moved = await w.task("failed");
    await w.repo.git(["checkout", "-q", "-b", "elsewhere"], moved.worktreePath!);
    const gone = await w.task("failed");
    const { rmSync } = await import("node:fs");
    rmSync(gone.worktreePath!, { recursive: true, force: true });
    const report = await runCleanup(deps, { dryRun: true });
    expect(report.items.find((i) => i.taskId === moved.id)).toMatchObject({ action: "keep" });
    expect(report.items.find((i) => i.kind === "prune")?.path).toContain(`task-${gone.id}`);
    await runCleanup(deps);
    expect(existsSync(moved.worktreePath!)).toBe(true);
    expect(await w.repo.git(["worktree", "list", "--porcelain"])).not.toContain(`task-${gone.id}`);
  });
});
