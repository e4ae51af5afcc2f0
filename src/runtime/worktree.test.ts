import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ccmRejection, SEALED_GIT_ENV, tempRepo } from "./test-helpers.js";
import { createTaskWorktree, removeWorktree, worktreeHead } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("createTaskWorktree", () => {
  it("creates ccm/task-<id> from the base branch's current commit", async () => {
    await using repo = await tempRepo();
    const base = await repo.commit("second", { "a.txt": "a\n" });
    const worktreesDir = join(repo.scratch, "worktrees");
    const created = await createTaskWorktree({ repo: repo.dir, taskId: 7, baseBranch: "main", worktreesDir });
    expect(created).toEqual({ path: join(worktreesDir, "task-7"), branch: "ccm/task-7", baseCommit: base });
    expect(await worktreeHead(created.path)).toBe("ccm/task-7");
    expect(await repo.git(["rev-parse", "HEAD"], created.path)).toBe(base);
    expect(existsSync(join(created.path, "a.txt"))).toBe(true);
    // --no-track: git status/pull in the task must not point at the base branch.
    expect(await repo.git(["config", "--get-regexp", "^branch\\."]).catch(() => "")).toBe("");
  });

  it("runs no hook (hook files are shared with, and writable by, earlier agents)", async () => {
    await using repo = await tempRepo();
    const marker = join(repo.scratch, "hook-ran");
    const hook = join(repo.dir, ".git", "hooks", "post-checkout");
    await writeFile(hook, `#!/bin/sh\ntouch "${marker}"\n`, { mode: 0o755 });
    await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: join(repo.scratch, "wt"),
    });
    expect(existsSync(marker)).toBe(false);
    await repo.git(["worktree", "add", "--quiet", join(repo.scratch, "control"), "-b", "control"]);
    expect(existsSync(marker)).toBe(true); // the hook itself works
  });

  it("adopts the worktree on a retry and still reports the original fork point", async () => {
    await using repo = await tempRepo();
    const worktreesDir = join(repo.scratch, "worktrees");
    const options = { repo: repo.dir, taskId: 3, baseBranch: "main", worktreesDir };
    const first = await createTaskWorktree(options);
    await repo.commit("task work", { "t.txt": "t\n" }, first.path);
    await repo.commit("base moved on", { "b.txt": "b\n" });
    expect(await createTaskWorktree(options)).toEqual(first);
  });

  it("recreates a worktree whose folder was deleted by hand", async () => {
    await using repo = await tempRepo();
    const options = { repo: repo.dir, taskId: 4, baseBranch: "main", worktreesDir: join(repo.scratch, "wt") };
    const first = await createTaskWorktree(options);
    await rm(first.path, { recursive: true, force: true });
    expect(await createTaskWorktree(options)).toEqual(first);
    expect(await worktreeHead(first.path)).toBe("ccm/task-4");
  });

  it("fails clearly, leaving no branch behind, when the base branch is missing", async () => {
    await using repo = await tempRepo();
    const error = await ccmRejection(
      createTaskWorktree({ repo: repo.dir, taskId: 1, baseBranch: "develop", worktreesDir: repo.scratch }),
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.details).toMatchObject({ reason: "base-missing" });
    expect(await repo.git(["branch", "--list", "ccm/*"])).toBe("");
  });

  it("refuses a path that is taken, without creating the branch (git's add -b would leave it)", async () => {
    await using repo = await tempRepo();
    await mkdir(join(repo.scratch, "task-1"));
    await writeFile(join(repo.scratch, "task-1", "mine.txt"), "keep me\n");
    const error = await ccmRejection(
      createTaskWorktree({ repo: repo.dir, taskId: 1, baseBranch: "main", worktreesDir: repo.scratch }),
    );
    expect(error.details).toMatchObject({ reason: "path-taken" });
    expect(await repo.git(["branch", "--list", "ccm/*"])).toBe("");
  });

  it("refuses an existing task branch with commits of its own, reuses one without", async () => {
    await using repo = await tempRepo();
    const worktreesDir = join(repo.scratch, "wt");
    await repo.git(["branch", "ccm/task-2"]);
    await repo.commit("base moved on", { "b.txt": "b\n" });
    // A leftover with nothing of its own (an ancestor of the base) is moved up to the base.
    const reused = await createTaskWorktree({ repo: repo.dir, taskId: 2, baseBranch: "main", worktreesDir });
    expect(await repo.git(["rev-parse", "ccm/task-2"])).toBe(reused.baseCommit);

    await repo.git(["checkout", "--quiet", "-b", "ccm/task-5"]);
    await repo.commit("someone's work", { "w.txt": "w\n" });
    await repo.git(["checkout", "--quiet", "main"]);
    const error = await ccmRejection(
      createTaskWorktree({ repo: repo.dir, taskId: 5, baseBranch: "main", worktreesDir }),
    );
    expect(error.details).toMatchObject({ reason: "branch-exists" });
  });

  it("rejects a task id that is not a positive integer", async () => {
    await using repo = await tempRepo();
    for (const taskId of [0, -1, 1.5]) {
      const error = await ccmRejection(
        createTaskWorktree({ repo: repo.dir, taskId, baseBranch: "main", worktreesDir: repo.scratch }),
      );
      expect(error.code).toBe("INVALID_ARGUMENT");
    }
  });
});

describe("worktreeHead", () => {
  it("is null on a detached HEAD and an error outside a repository", async () => {
    await using repo = await tempRepo();
    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    await repo.git(["checkout", "--quiet", "--detach"], path);
    expect(await worktreeHead(path)).toBeNull();
    const outside = join(repo.scratch, "plain");
    await mkdir(outside);
    await expect(worktreeHead(outside)).rejects.toMatchObject({ code: "EXTERNAL_COMMAND" });
  });
});

describe("removeWorktree", () => {
  it("removes a clean worktree and keeps its branch", async () => {
    await using repo = await tempRepo();
    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    await removeWorktree(repo.dir, path);
    expect(existsSync(path)).toBe(false);
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toContain(path);
    expect(await repo.git(["branch", "--list", "ccm/task-1"])).toContain("ccm/task-1");
    await removeWorktree(repo.dir, path); // already gone: nothing to do
  });

  it("never removes uncommitted work unless forced", async () => {
    await using repo = await tempRepo();
    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    await writeFile(join(path, "new.txt"), "unsaved\n");
    const error = await ccmRejection(removeWorktree(repo.dir, path));
    expect(error.details).toMatchObject({ reason: "dirty", files: ["new.txt"] });
    expect(existsSync(join(path, "new.txt"))).toBe(true);
    await removeWorktree(repo.dir, path, { force: true });
    expect(existsSync(path)).toBe(false);
  });

  it("refuses the main worktree and folders that are not worktrees", async () => {
    await using repo = await tempRepo();
    expect((await ccmRejection(removeWorktree(repo.dir, repo.dir))).details).toMatchObject({
      reason: "main-worktree",
    });
    const error = await ccmRejection(removeWorktree(repo.dir, repo.scratch));
    expect(error.details).toMatchObject({ reason: "not-a-worktree" });
    expect(existsSync(repo.scratch)).toBe(true);
  });

  it("prunes the entry of a worktree whose folder was deleted by hand", async () => {
    await using repo = await tempRepo();
    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    await rm(path, { recursive: true, force: true });
    await removeWorktree(repo.dir, path);
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toContain(path);
  });
});
