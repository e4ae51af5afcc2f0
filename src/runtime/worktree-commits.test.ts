import { existsSync } from "node:fs";
import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SEALED_GIT_ENV, tempRepo } from "./test-helpers.js";
import { checkpointCommit, commitsSince, createTaskWorktree, diff } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

async function taskRepo() {
  const repo = await tempRepo();
  await repo.write(".gitignore", ".env\n");
  await repo.commit("ignore .env", { "keep.txt": "keep\n", "gone.txt": "gone\n" });
  const task = await createTaskWorktree({
    repo: repo.dir,
    taskId: 9,
    baseBranch: "main",
    worktreesDir: repo.scratch,
  });
  return Object.assign(repo, { task });
}

describe("checkpointCommit", () => {
  it("returns null when there is nothing to commit", async () => {
    await using repo = await taskRepo();
    expect(await checkpointCommit(repo.task.path, "ccm: checkpoint")).toBeNull();
  });

  it("commits new, changed and deleted files but not ignored ones, as ccm when no identity is set", async () => {
    await using repo = await taskRepo();
    const wt = repo.task.path;
    await writeFile(join(wt, "new.txt"), "new\n");
    await writeFile(join(wt, "keep.txt"), "changed\n");
    await rm(join(wt, "gone.txt"));
    await writeFile(join(wt, ".env"), "SECRET=1\n");
    const sha = await checkpointCommit(wt, "ccm: checkpoint after run 1");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await repo.git(["rev-parse", "HEAD"], wt)).toBe(sha);
    expect(await repo.git(["show", "--name-status", "--format=%an <%ae>|%s", "HEAD"], wt)).toBe(
      "ccm <ccm@localhost>|ccm: checkpoint after run 1\n\nD\tgone.txt\nM\tkeep.txt\nA\tnew.txt",
    );
    expect(await repo.git(["status", "--porcelain"], wt)).toBe("");
  });

  it("keeps a configured identity and runs no hooks", async () => {
    await using repo = await taskRepo();
    const wt = repo.task.path;
    await repo.git(["config", "user.name", "Repo Owner"]);
    await repo.git(["config", "user.email", "owner@example.invalid"]);
    const hooks = join(repo.dir, ".git", "hooks");
    await writeFile(join(hooks, "pre-commit"), "#!/bin/sh\nexit 1\n");
    await writeFile(join(hooks, "post-commit"), `#!/bin/sh\ntouch "${join(repo.scratch, "hook-ran")}"\n`);
    await chmod(join(hooks, "pre-commit"), 0o755);
    await chmod(join(hooks, "post-commit"), 0o755);
    await writeFile(join(wt, "x.txt"), "x\n");
    expect(await checkpointCommit(wt, "checkpoint")).not.toBeNull();
    expect(await repo.git(["log", "-1", "--format=%an <%ae>"], wt)).toBe(
      "Repo Owner <owner@example.invalid>",
    );
    expect(existsSync(join(repo.scratch, "hook-ran"))).toBe(false);
  });
});

describe("commitsSince", () => {
  it("lists the task's commits oldest first", async () => {
    await using repo = await taskRepo();
    const wt = repo.task.path;
    const first = await repo.commit("first: with\ttab", { "1.txt": "1\n" }, wt);
    const second = await repo.commit("second", { "2.txt": "2\n" }, wt);
    expect(await commitsSince(wt, repo.task.baseCommit)).toEqual([
      { sha: first, subject: "first: with\ttab" },
      { sha: second, subject: "second" },
    ]);
    expect(await commitsSince(wt, second)).toEqual([]);
    await expect(commitsSince(wt, "no-such-ref")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("diff", () => {
  it("shows the branch against the merge base, not work that landed on the base since", async () => {
    await using repo = await taskRepo();
    await repo.commit("task change", { "task.txt": "from the task\n" }, repo.task.path);
    await repo.commit("base change", { "base.txt": "from the base\n" });
    const patch = await diff(repo.dir, "main", "ccm/task-9");
    expect(patch).toContain("+++ b/task.txt");
    expect(patch).toContain("+from the task");
    expect(patch).not.toContain("base.txt");
    const stat = await diff(repo.dir, "main", "ccm/task-9", { stat: true });
    expect(stat).toMatch(/task\.txt \| 1 \+/);
    expect(stat).toContain("1 file changed, 1 insertion(+)");
  });

  it("rejects refs that name no commit", async () => {
    await using repo = await taskRepo();
    await expect(diff(repo.dir, "main", "nope")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      details: { reason: "unknown-ref", ref: "nope" },
    });
    await expect(diff(repo.dir, "--output=/tmp/x", "main")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});
