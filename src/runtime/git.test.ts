import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { branchCommit, gitRun, identityArgs, repoRoot } from "./git.js";
import { listWorktrees, worktreeState } from "./git-worktrees.js";
import { SEALED_GIT_ENV, tempRepo } from "./test-helpers.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("git helpers", () => {
  it("tell a missing folder from a missing git", async () => {
    await expect(gitRun("/no/such/folder", ["status"])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(repoRoot("/no/such/folder")).rejects.toMatchObject({ code: "NOT_A_GIT_REPO" });
  });

  it("resolve branches, refusing names that are not branch names", async () => {
    await using repo = await tempRepo();
    expect(await branchCommit(repo.dir, "main")).toBe(await repo.git(["rev-parse", "HEAD"]));
    expect(await branchCommit(repo.dir, "nope")).toBeNull();
    for (const bad of ["../main", "-x", "a b", "x..y", "HEAD~1"]) {
      await expect(branchCommit(repo.dir, bad)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });

  it("supply ccm's identity only for the half that is not configured", async () => {
    await using repo = await tempRepo();
    expect(await identityArgs(repo.dir)).toEqual(["-c", "user.name=ccm", "-c", "user.email=ccm@localhost"]);
    await repo.git(["config", "user.email", "me@example.invalid"]);
    expect(await identityArgs(repo.dir)).toEqual(["-c", "user.name=ccm"]);
  });

  it("list worktrees and describe what is uncommitted, renames and merges in progress included", async () => {
    await using repo = await tempRepo();
    await repo.commit("files", { "a.txt": "a\n", "b.txt": "b\n" });
    await repo.git(["mv", "a.txt", "renamed a.txt"]);
    await repo.write("b.txt", "changed\n");
    await repo.write("new dir/n.txt", "n\n");
    expect(await worktreeState(repo.dir)).toEqual({
      changed: ["b.txt", "renamed a.txt"],
      untracked: ["new dir/n.txt"],
      operation: null,
    });
    expect((await worktreeState(repo.dir, { untracked: false })).untracked).toEqual([]);

    await repo.git(["commit", "--quiet", "-am", "wip"]);
    await repo.git(["worktree", "add", "--quiet", "-b", "side", join(repo.scratch, "side")]);
    await repo.commit("side", { "b.txt": "side\n" }, join(repo.scratch, "side"));
    await repo.commit("main", { "b.txt": "main\n" });
    await repo.git(["merge", "side"]).catch(() => undefined);
    expect(await worktreeState(repo.dir)).toMatchObject({ changed: ["b.txt"], operation: "MERGE_HEAD" });
    expect((await listWorktrees(repo.dir)).map((w) => w.branch)).toEqual(["main", "side"]);
  });
});
