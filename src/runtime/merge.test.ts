import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CcmError } from "../errors.js";
import { type MergeStrategy, mergeTaskBranch } from "./merge.js";
import { SEALED_GIT_ENV, type TempRepo, tempRepo } from "./test-helpers.js";
import { createTaskWorktree, removeWorktree } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/** A repo whose main checkout is on main, plus task 1's worktree with two commits. */
async function setup(): Promise<TempRepo & { wt: string; old: string }> {
  const repo = await tempRepo();
  await repo.commit("shared file", { "shared.txt": "one\ntwo\nthree\n" });
  const { path } = await createTaskWorktree({
    repo: repo.dir,
    taskId: 1,
    baseBranch: "main",
    worktreesDir: repo.scratch,
  });
  await repo.commit("task: add a", { "a.txt": "a=1\n" }, path);
  await repo.commit("task: change a", { "a.txt": "a=2\n" }, path);
  return Object.assign(repo, { wt: path, old: await repo.git(["rev-parse", "main"]) });
}

/** Everything a user could notice about their checkout. */
async function snapshot(repo: TempRepo) {
  return {
    head: await repo.git(["rev-parse", "main"]),
    status: await repo.git(["status", "--porcelain", "--untracked-files=all"]),
    shared: await readFile(join(repo.dir, "shared.txt"), "utf8"),
    a: existsSync(join(repo.dir, "a.txt")),
  };
}

const parents = (repo: TempRepo, rev: string) => repo.git(["rev-list", "--parents", "-n", "1", rev]);
const subjects = (repo: TempRepo, range: string) => repo.git(["log", "--reverse", "--format=%s", range]);

describe("mergeTaskBranch", () => {
  it("merge: makes a merge commit even when a fast-forward is possible, and updates the checkout", async () => {
    await using repo = await setup();
    const tip = await repo.git(["rev-parse", "ccm/task-1"]);
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "merge",
    });
    expect(result).toEqual({
      ok: true,
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      strategy: "merge",
      branchDeleted: false,
    });
    if (!result.ok) return;
    expect(await repo.git(["rev-parse", "main"])).toBe(result.sha);
    expect((await parents(repo, result.sha)).split(" ")).toEqual([result.sha, repo.old, tip]);
    expect(await repo.git(["log", "-1", "--format=%s|%an", result.sha])).toBe(
      "Merge branch 'ccm/task-1' into main|ccm",
    );
    // The user's files follow the branch: no reversed changes staged.
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("a=2\n");
    expect(await repo.git(["status", "--porcelain"])).toBe("");
  });

  it("squash: one commit with the caller's message on top of a base that moved on", async () => {
    await using repo = await setup();
    await repo.commit("base: edit line one", { "shared.txt": "ONE\ntwo\nthree\n" });
    const old = await repo.git(["rev-parse", "main"]);
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "squash",
      message: "ccm: task #1 add a",
    });
    if (!result.ok) throw new Error("expected a clean squash");
    expect((await parents(repo, result.sha)).split(" ")).toEqual([result.sha, old]);
    expect(await repo.git(["log", "-1", "--format=%s", "main"])).toBe("ccm: task #1 add a");
    expect(await repo.git(["show", "main:a.txt"])).toBe("a=2");
    expect(await repo.git(["show", "main:shared.txt"])).toBe("ONE\ntwo\nthree");
    expect(await repo.git(["status", "--porcelain"])).toBe("");
  });

  it("squash: the default message names the task", async () => {
    await using repo = await setup();
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "squash",
    });
    if (!result.ok) throw new Error("expected a clean squash");
    expect(await repo.git(["log", "-1", "--format=%s", "main"])).toBe("ccm: task #1");
  });

  it("rebase: replays the task's commits linearly, even ones that edit their predecessor's lines", async () => {
    await using repo = await setup();
    await repo.commit("base: edit line three", { "shared.txt": "one\ntwo\nTHREE\n" });
    const old = await repo.git(["rev-parse", "main"]);
    const taskTip = await repo.git(["rev-parse", "ccm/task-1"]);
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "rebase",
    });
    if (!result.ok) throw new Error(`expected a clean rebase, got ${JSON.stringify(result)}`);
    expect(await subjects(repo, `${old}..main`)).toBe("task: add a\ntask: change a");
    expect(await repo.git(["rev-list", "--merges", `${old}..main`])).toBe("");
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("a=2\n");
    // The task branch and its worktree are not rewritten; the scratch worktree is gone.
    expect(await repo.git(["rev-parse", "ccm/task-1"])).toBe(taskTip);
    expect((await repo.git(["worktree", "list"])).split("\n")).toHaveLength(2);
  });

  it("rebase: a task already on top of the base fast-forwards to the task's own commits", async () => {
    await using repo = await setup();
    const tip = await repo.git(["rev-parse", "ccm/task-1"]);
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "rebase",
    });
    expect(result).toMatchObject({ ok: true, sha: tip });
  });

  for (const strategy of ["merge", "squash", "rebase"] as const satisfies MergeStrategy[]) {
    it(`${strategy}: a conflict reports the files and leaves the base and the checkout untouched`, async () => {
      await using repo = await setup();
      await repo.commit("task: edit shared", { "shared.txt": "one\nTASK\nthree\n" }, repo.wt);
      await repo.commit("base: edit shared", { "shared.txt": "one\nBASE\nthree\n" });
      const before = await snapshot(repo);
      const objectsBefore = await repo.git(["worktree", "list", "--porcelain"]);
      const result = await mergeTaskBranch({
        repo: repo.dir,
        baseBranch: "main",
        branch: "ccm/task-1",
        strategy,
      });
      expect(result).toEqual({ ok: false, conflict: true, files: ["shared.txt"] });
      expect(await snapshot(repo)).toEqual(before);
      expect(await repo.git(["worktree", "list", "--porcelain"])).toBe(objectsBefore);
    });
  }

  it("refuses when the user's checkout of the base has uncommitted changes, touching nothing", async () => {
    await using repo = await setup();
    await writeFile(join(repo.dir, "shared.txt"), "my unsaved edit\n");
    const before = await snapshot(repo);
    const error = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "merge",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcmError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      details: { reason: "base-dirty", files: ["shared.txt"] },
    });
    expect((error as CcmError).hint).toMatch(/commit or stash/i);
    expect(await snapshot(repo)).toEqual(before);
  });

  it("refuses, base untouched, when an untracked file of the user's is in the way", async () => {
    await using repo = await setup();
    await writeFile(join(repo.dir, "a.txt"), "the user's own a.txt\n");
    const error = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "squash",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", details: { reason: "base-update-refused" } });
    expect(await repo.git(["rev-parse", "main"])).toBe(repo.old);
    expect(await readFile(join(repo.dir, "a.txt"), "utf8")).toBe("the user's own a.txt\n");
  });

  it("moves a base branch nobody has checked out with a compare-and-swap, leaving the checkout alone", async () => {
    await using repo = await setup();
    await repo.git(["checkout", "--quiet", "-b", "elsewhere"]);
    await writeFile(join(repo.dir, "shared.txt"), "dirty, but not on the base branch\n");
    const result = await mergeTaskBranch({
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "merge",
    });
    if (!result.ok) throw new Error("expected a clean merge");
    expect(await repo.git(["rev-parse", "main"])).toBe(result.sha);
    expect(await repo.git(["rev-parse", "HEAD"])).toBe(repo.old);
    expect(await repo.git(["status", "--porcelain"])).toBe("M shared.txt");
    expect(await repo.git(["reflog", "-1", "--format=%gs", "main"])).toBe("ccm: merge ccm/task-1");
  });

  it("deletes the task branch only once no worktree has it checked out", async () => {
    await using repo = await setup();
    const options = {
      repo: repo.dir,
      baseBranch: "main",
      branch: "ccm/task-1",
      strategy: "merge",
      deleteBranch: true,
    } as const;
    const merged = await mergeTaskBranch(options);
    expect(merged).toMatchObject({ ok: true, branchDeleted: false });
    await removeWorktree(repo.dir, repo.wt);
    // Merged already: no new commit this time, but now the branch can go.
    const again = await mergeTaskBranch(options);
    expect(again).toEqual({
      ok: true,
      sha: merged.ok ? merged.sha : "",
      strategy: "merge",
      branchDeleted: true,
    });
    expect(await repo.git(["branch", "--list", "ccm/task-1"])).toBe("");
  });

  it("does nothing when the branch is already contained in the base", async () => {
    await using repo = await setup();
    await repo.git(["merge", "--quiet", "--ff-only", "ccm/task-1"]);
    const head = await repo.git(["rev-parse", "main"]);
    for (const strategy of ["merge", "squash", "rebase"] as const) {
      const result = await mergeTaskBranch({
        repo: repo.dir,
        baseBranch: "main",
        branch: "ccm/task-1",
        strategy,
      });
      expect(result).toEqual({ ok: true, sha: head, strategy, branchDeleted: false });
    }
  });

  it("rejects missing or malformed branches", async () => {
    await using repo = await setup();
    const merge = (baseBranch: string, branch: string) =>
      mergeTaskBranch({ repo: repo.dir, baseBranch, branch, strategy: "merge" });
    await expect(merge("develop", "ccm/task-1")).rejects.toMatchObject({
      details: { reason: "branch-missing" },
    });
    await expect(merge("main", "ccm/task-2")).rejects.toMatchObject({
      details: { reason: "branch-missing" },
    });
    await expect(merge("main", "../main")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(merge("main", "main")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
