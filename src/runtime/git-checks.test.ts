import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentGitEnv, writeAgentHooks } from "./git-backstop.js";
import { captureGitState, checkAfterRun } from "./git-checks.js";
import { SEALED_GIT_ENV, TEST_IDENTITY_ENV, tempRepo } from "./test-helpers.js";
import { createTaskWorktree } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/** A task worktree, its baseline, and git "as the agent" (with the backstop environment). */
async function world() {
  const repo = await tempRepo();
  const wt = await createTaskWorktree({
    repo: repo.dir,
    taskId: 1,
    baseBranch: "main",
    worktreesDir: join(repo.scratch, "wts"),
  });
  const hooks = join(repo.scratch, "hooks");
  const refLog = join(repo.scratch, "refs.log");
  writeAgentHooks(hooks, 1);
  const env = { ...SEALED_GIT_ENV, ...TEST_IDENTITY_ENV, ...agentGitEnv(hooks, refLog, {}) };
  const agent = async (...args: string[]) => {
    const r = await execa("git", args, { cwd: wt.path, env, reject: false, timeout: 20_000 });
    if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const before = await captureGitState(wt.path);
  const check = async () =>
    (await checkAfterRun({ worktree: wt.path, before, taskBranch: "ccm/task-1", baseBranch: "main", refLog }))
      .violations;
  return { repo, wt, agent, check };
}

describe("post-run git checks against a real repository", () => {
  it("an ordinary run (commits on the task branch) passes, also when the user commits on main meanwhile", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.repo.write("a.txt", "a\n", w.wt.path);
    await w.agent("add", "a.txt");
    await w.agent("commit", "-q", "-m", "work");
    await w.repo.commit("user's own work", { "u.txt": "u\n" });
    expect(await w.check()).toEqual([]);
  });

  it("checking out another branch fails the check with the branch named", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.agent("checkout", "-q", "-b", "elsewhere");
    expect(await w.check()).toEqual([
      { code: "head", message: "HEAD is on elsewhere instead of ccm/task-1" },
      expect.objectContaining({ code: "ref", message: expect.stringContaining("branch elsewhere created") }),
    ]);
  });

  it("adding a submodule fails the check", async () => {
    const w = await world();
    await using _ = w.repo;
    const other = join(w.repo.scratch, "other");
    await execa("git", ["init", "-q", "-b", "main", other]);
    await execa("git", ["-C", other, "commit", "-q", "--allow-empty", "-m", "x"], { env: TEST_IDENTITY_ENV });
    await w.agent("-c", "protocol.file.allow=always", "submodule", "add", "-q", other, "vendor/other");
    const codes = (await w.check()).map((v) => `${v.code}: ${v.message}`);
    expect(codes).toContain("submodule: submodules added: vendor/other");
    expect(codes).toContain("submodule: .gitmodules was added");
  });

  it("moving main from the agent's git fails the check; so does rewriting it by any means", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.repo.write("a.txt", "a\n", w.wt.path);
    await w.agent("add", "a.txt");
    await w.agent("commit", "-q", "-m", "work");
    await w.agent("update-ref", "refs/heads/main", "HEAD");
    expect((await w.check()).map((v) => v.message)).toEqual([expect.stringMatching(/^branch main moved /)]);

    const v = await world();
    await using __ = v.repo;
    const orphan = await v.repo.git([
      "commit-tree",
      "-m",
      "rewritten",
      "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    ]);
    // Not through the agent's git (no log entry): a rewrite of the base branch still counts.
    await v.repo.git(["update-ref", "refs/heads/main", orphan]);
    expect((await v.check()).map((x) => x.message)).toEqual([
      expect.stringMatching(/^branch main rewritten /),
    ]);
  });

  it("changing a push URL or the hooks path in repository config fails the check", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.agent("config", "remote.origin.pushurl", "/tmp/elsewhere.git");
    await w.agent("config", "core.hooksPath", "/dev/null");
    const [violation] = await w.check();
    expect(violation?.code).toBe("config");
    expect(violation?.message).toContain("+local remote.origin.pushurl=/tmp/elsewhere.git");
    expect(violation?.message).toContain("+local core.hookspath=/dev/null");
  });
});
