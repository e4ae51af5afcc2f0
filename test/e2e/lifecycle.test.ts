import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";
import type { Sandbox } from "../helpers/cli.js";

/**
 * The worktree lifecycle through the real daemon, tmux and git: agents are custom agents (shell scripts
 * written by the test, as a user would configure them) that misbehave in one way each.
 */

interface TaskJson {
  id: number;
  state: string;
  stage: string | null;
  branch: string | null;
  worktreePath: string | null;
  failureReason: string | null;
  transitions: { to: string; reason: string }[];
}

const stagesOff = "stages: {planning: false, reviewing: false, verifying: false}\n";

function customAgents(agents: Record<string, string>): string {
  const lines = ["", "  custom:"];
  for (const [name, script] of Object.entries(agents)) {
    lines.push(
      `    ${name}:`,
      `      command: [sh, -c, ${JSON.stringify(script)}, sh]`,
      "      prompt_via: arg",
    );
  }
  return `${lines.join("\n")}\n`;
}

function project(s: Sandbox, name: string, agent: string): string {
  const repo = s.gitRepo(name);
  s.run(["init"], { cwd: repo });
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    `name: ${name}\nbase_branch: main\nagent: ${agent}\n${stagesOff}`,
  );
  return repo;
}

function safety(s: Sandbox, yaml: string): void {
  appendFileSync(join(s.ccmHome, "config.yaml"), `safety:\n${yaml}`);
}

function db<T>(s: Sandbox, sql: string, ...params: (string | number)[]): T[] {
  const handle = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
  try {
    return handle.prepare(sql).all(...params) as T[];
  } finally {
    handle.close();
  }
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

describe("worktree lifecycle through the daemon", () => {
  it("push is refused; switching branch or moving main fails the task with the evidence", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(
      stack,
      customAgents({
        pusher:
          "git commit -q --allow-empty -m work; git push origin HEAD:refs/heads/pushed 2> push-err.txt; echo $? > push-rc.txt",
        switcher: "git checkout -q -b elsewhere",
        mover: "git commit -q --allow-empty -m work && git update-ref refs/heads/main HEAD",
      }),
    );
    // The post-run checks are the last layer, tested here on their own: with the OS sandbox on, a custom
    // agent cannot move main at all (test/e2e/sandbox.test.ts).
    safety(s, "  sandbox: off\n");
    const pushRepo = project(s, "pushes", "pusher");
    const remote = join(s.root, "remote.git");
    git(s.root, "init", "-q", "--bare", remote);
    git(pushRepo, "remote", "add", "origin", remote);
    project(s, "switches", "switcher");
    const moveRepo = project(s, "moves", "mover");
    const mainBefore = git(moveRepo, "rev-parse", "main");
    const ids = ["pushes", "switches", "moves"].map(
      (p) => s.json<{ id: number }>(["task", "create", "-p", p, "do the thing"]).id,
    );
    expect(s.run(["daemon", "start"]).code).toBe(0);
    const [pushed, switched, moved] = await Promise.all(
      ids.map((id) => waitForTaskState<TaskJson>(s, id, ["awaiting_approval", "failed"])),
    );

    expect(pushed?.failureReason).toBeNull();
    expect(git(pushRepo, "show", `${pushed?.branch}:push-rc.txt`)).not.toBe("0");
    expect(git(remote, "for-each-ref")).toBe("");
    // The user's own checkout still pushes.
    git(pushRepo, "push", "-q", "origin", "main");
    expect(git(remote, "for-each-ref", "--format=%(refname)")).toBe("refs/heads/main");

    expect(switched?.state).toBe("failed");
    expect(switched?.failureReason).toContain("HEAD is on elsewhere instead of ccm/task-");
    expect(moved?.state).toBe("failed");
    expect(moved?.failureReason).toMatch(/branch main moved [0-9a-f]{12} → [0-9a-f]{12}/);
    // Evidence only: nothing repaired behind the user's back.
    expect(git(moveRepo, "rev-parse", "main")).not.toBe(mainBefore);
    const events = db<{ task_id: number; payload: string }>(
      s,
      "SELECT task_id, payload FROM events WHERE event = 'git_violation' ORDER BY task_id",
    );
    expect(events.map((e) => e.task_id)).toEqual([ids[1], ids[2]]);
    expect(JSON.parse(events[0]?.payload ?? "{}").violations[0].code).toBe("head");
  });

  it("a limit exceeded while the agent works pauses the task, stops the agent, keeps its work and raises an alert", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack, customAgents({ hog: "head -c 3000000 /dev/zero > big.bin && sleep 120" }));
    safety(s, "  limits:\n    max_file_mb: 1\n    check_every_seconds: 1\n");
    const repo = project(s, "hog", "hog");
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "hog", "make a big file"]);
    expect(s.run(["daemon", "start"]).code).toBe(0);
    const task = await waitForTaskState<TaskJson>(s, id, ["paused", "failed", "awaiting_approval"]);
    expect(task.state).toBe("paused");
    expect(task.stage).toBe("executing");
    expect(task.transitions.at(-1)?.reason).toBe(
      "limit exceeded: big.bin is 2.9 MiB, over safety.limits.max_file_mb (1)",
    );
    const deadline = Date.now() + 20_000;
    while (s.json<unknown[]>(["agent", "list"]).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(s.json<unknown[]>(["agent", "list"])).toEqual([]);
    const alerts = db<{ payload: string }>(
      s,
      "SELECT payload FROM events WHERE event = 'alert' AND task_id = ?",
      id,
    );
    expect(alerts.map((a) => JSON.parse(a.payload))).toEqual([
      expect.objectContaining({
        level: "warning",
        code: "limit_exceeded",
        limit: "max_file_mb",
        outcome: "paused",
      }),
    ]);
    // The checkpoint made when the agent was stopped holds the file; the task keeps its session for resume.
    const deadline2 = Date.now() + 20_000;
    while (
      !git(repo, "ls-tree", "--name-only", `ccm/task-${id}`).includes("big.bin") &&
      Date.now() < deadline2
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(git(repo, "ls-tree", "--name-only", `ccm/task-${id}`)).toContain("big.bin");
    expect(s.json<TaskJson>(["task", "show", String(id)]).state).toBe("paused");
  });

  it("snapshots every N commits, rolls back, and cleans up (the CLI and the daemon) without losing a commit", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(
      stack,
      customAgents({
        committer:
          "for i in 1 2 3 4 5; do echo $i > f$i.txt; git add f$i.txt; git commit -qm c$i; sleep 0.6; done",
      }),
    );
    safety(s, "  limits:\n    check_every_seconds: 1\n  snapshots:\n    every_commits: 2\n");
    const repo = project(s, "snap", "committer");
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "snap", "five commits"]);
    expect(s.run(["daemon", "start"]).code).toBe(0);
    const task = await waitForTaskState<TaskJson>(s, id, ["awaiting_approval", "failed", "paused"]);
    expect(task.failureReason).toBeNull();
    const branch = `ccm/task-${id}`;
    const commits = git(repo, "rev-list", `main..${branch}`).split("\n");
    expect(commits).toHaveLength(5);

    const listed = s.json<{ snapshots: { n: number; commit: string; ref: string; reason: string }[] }>([
      "task",
      "snapshots",
      String(id),
    ]).snapshots;
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(listed.map((x) => x.reason))).toEqual(new Set(["every 2 commits"]));
    for (const snap of listed) expect(git(repo, "rev-parse", snap.ref)).toBe(snap.commit);
    // At the end of the stage the tip is never every_commits or more past the newest snapshot.
    expect(Number(git(repo, "rev-list", "--count", `${listed.at(-1)?.commit}..${branch}`))).toBeLessThan(2);

    const first = listed[0]!;
    const rolled = s.run(["task", "rollback", String(id), "--to", String(first.n), "--json"]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(git(repo, "rev-parse", branch)).toBe(first.commit);
    expect(existsSync(join(task.worktreePath!, "f5.txt"))).toBe(false);
    const bad = s.run(["task", "rollback", String(id), "--to", "99"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("hint: List them with `ccm task snapshots");

    expect(s.run(["task", "reject", String(id)]).code).toBe(0);
    const dry = s.json<{ items: { kind: string; taskId: number; action: string }[] }>([
      "cleanup",
      "--dry-run",
      "--older-than",
      "0",
    ]);
    expect(dry.items.find((i) => i.kind === "worktree" && i.taskId === id)?.action).toBe("remove");
    expect(existsSync(task.worktreePath!)).toBe(true);

    // The daemon's own run: due at start because the database has never recorded one.
    expect(s.run(["daemon", "stop"]).code).toBe(0);
    const handle = new DatabaseSync(join(s.ccmHome, "ccm.db"));
    handle.prepare("DELETE FROM settings WHERE key = 'cleanup.last_run_at'").run();
    handle.prepare("UPDATE tasks SET finished_at = ? WHERE id = ?").run(Date.now() - 10 * 86_400_000, id);
    handle.close();
    expect(s.run(["daemon", "start"]).code).toBe(0);
    const deadline = Date.now() + 30_000;
    const recorded = () =>
      db<{ value: string }>(s, "SELECT value FROM settings WHERE key = 'cleanup.last_run_at'");
    // The run records its time once it has finished.
    while (recorded().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(task.worktreePath!)).toBe(false);
    const lastRun = recorded();
    expect(lastRun).toHaveLength(1);
    // Every commit the agent made is still reachable from a snapshot ref; the unmerged branch is kept.
    const refs = git(repo, "for-each-ref", "--format=%(refname)", `refs/ccm/snapshots/task-${id}/`).split(
      "\n",
    );
    for (const commit of commits) {
      const kept = refs.some((ref) => {
        try {
          git(repo, "merge-base", "--is-ancestor", commit, ref);
          return true;
        } catch {
          return false;
        }
      });
      expect(kept, `commit ${commit} is not reachable from a snapshot`).toBe(true);
    }
    expect(git(repo, "branch", "--list", branch)).not.toBe("");
    // A restart does not run it again: the recorded time stays.
    expect(s.run(["daemon", "restart"]).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(recorded()).toEqual(lastRun);
  });
});
