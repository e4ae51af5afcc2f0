import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentGitEnv, writeAgentHooks } from "./git-backstop.js";
import { SEALED_GIT_ENV, TEST_IDENTITY_ENV, tempRepo } from "./test-helpers.js";
import { createTaskWorktree } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/** git as a process with the given environment (the agent's, or the user's with none of ours). */
function gitAs(env: Record<string, string>) {
  return (cwd: string, ...args: string[]) =>
    execa("git", args, {
      cwd,
      env: { ...SEALED_GIT_ENV, ...TEST_IDENTITY_ENV, ...env },
      extendEnv: true,
      reject: false,
      timeout: 20_000,
    });
}

async function world() {
  const repo = await tempRepo();
  const remote = join(repo.scratch, "remote.git");
  await execa("git", ["init", "--quiet", "--bare", remote]);
  await repo.git(["remote", "add", "origin", remote]);
  const wt = await createTaskWorktree({
    repo: repo.dir,
    taskId: 3,
    baseBranch: "main",
    worktreesDir: join(repo.scratch, "wts"),
  });
  const hooks = join(repo.scratch, "ccm-hooks");
  const refLog = join(repo.scratch, "refs.log");
  writeAgentHooks(hooks, 3);
  const agent = gitAs(agentGitEnv(hooks, refLog, {}));
  const user = gitAs({});
  return { repo, remote, wt, hooks, refLog, agent, user };
}

describe("git backstops in the agent's environment", () => {
  it("git push from the worktree fails (remote name and direct URL) while the user's checkout still pushes", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.repo.commit("task work", { "t.txt": "t\n" }, w.wt.path);

    const byName = await w.agent(w.wt.path, "push", "origin", "ccm/task-3");
    expect(byName.exitCode).not.toBe(0);
    expect(byName.stderr).toContain("remote-ccm-push-disabled");
    const byUrl = await w.agent(w.wt.path, "push", w.remote, "ccm/task-3");
    expect(byUrl.exitCode).not.toBe(0);
    // Also from the user's checkout when the agent points git at it.
    const viaMain = await w.agent(w.wt.path, "-C", w.repo.dir, "push", "origin", "main");
    expect(viaMain.exitCode).not.toBe(0);
    expect((await execa("git", ["-C", w.remote, "for-each-ref"])).stdout).toBe("");

    const mine = await w.user(w.repo.dir, "push", "origin", "main");
    expect(mine.exitCode, mine.stderr).toBe(0);
    expect((await execa("git", ["-C", w.remote, "for-each-ref", "--format=%(refname)"])).stdout).toBe(
      "refs/heads/main",
    );
    // Nothing of ours landed in the repository's config.
    expect(await w.repo.git(["config", "--list", "--local"])).not.toMatch(
      /hookspath|insteadof|extensions|push-disabled/i,
    );
  });

  it("a remote with its own pushurl (where pushInsteadOf does not apply) is refused by the pre-push hook", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.repo.git(["config", "remote.origin.pushurl", w.remote]);
    const result = await w.agent(w.wt.path, "push", "origin", "ccm/task-3");
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("git push is disabled for agents (task #3)");
    expect((await execa("git", ["-C", w.remote, "for-each-ref"])).stdout).toBe("");
  });

  it("the repository's own hooks still run for the agent (pre-commit can block a commit)", async () => {
    const w = await world();
    await using _ = w.repo;
    const hooksDir = join(w.repo.dir, ".git", "hooks");
    await mkdir(hooksDir, { recursive: true });
    const marker = join(w.repo.scratch, "pre-commit-ran");
    const hook = join(hooksDir, "pre-commit");
    await w.repo.write(
      ".git/hooks/pre-commit",
      `#!/bin/sh\necho "$PWD" > '${marker}'\ngrep -q forbidden t.txt && exit 1\nexit 0\n`,
    );
    await chmod(hook, 0o755);
    await w.repo.write("t.txt", "fine\n", w.wt.path);
    await w.agent(w.wt.path, "add", "t.txt");
    const ok = await w.agent(w.wt.path, "commit", "-q", "-m", "fine");
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(marker, "utf8").trim()).toBe(w.wt.path);
    await w.repo.write("t.txt", "forbidden\n", w.wt.path);
    await w.agent(w.wt.path, "add", "t.txt");
    const blocked = await w.agent(w.wt.path, "commit", "-q", "-m", "forbidden");
    expect(blocked.exitCode).not.toBe(0);
  });

  it("records the refs the agent's git moves, and only those", async () => {
    const w = await world();
    await using _ = w.repo;
    await w.repo.write("a.txt", "a\n", w.wt.path);
    await w.agent(w.wt.path, "add", "a.txt");
    await w.agent(w.wt.path, "commit", "-q", "-m", "a");
    await w.agent(w.wt.path, "branch", "side");
    await w.user(w.repo.dir, "branch", "users-own");
    const log = readFileSync(w.refLog, "utf8");
    expect(log).toContain("refs/heads/ccm/task-3");
    expect(log).toContain("refs/heads/side");
    expect(log).not.toContain("users-own");
    expect(existsSync(w.refLog)).toBe(true);
  });
});
