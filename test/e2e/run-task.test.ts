import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { claudeBinary, createClaudeSandbox } from "../fixtures/claude-env.js";
import { startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";
import type { Sandbox } from "../helpers/cli.js";

interface TaskJson {
  id: number;
  state: string;
  branch: string | null;
  worktreePath: string | null;
  failureReason: string | null;
  transitions: { from: string | null; to: string; reason: string }[];
  reports: { kind: string; status: string | null; body: string }[];
  commits: { sha: string; subject: string; checkpoint: boolean }[];
  agents: { id: number; stage: string; status: string; kind: string }[];
}

const waitForState = (s: Sandbox, id: number, states: string[], timeoutMs = 60_000) =>
  waitForTaskState<TaskJson>(s, id, states, timeoutMs);

function stageRuns(s: Sandbox, taskId: number): { stage: string; attempt: number; status: string }[] {
  const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
  try {
    return db
      .prepare("SELECT stage, attempt, status FROM stage_runs WHERE task_id = ? ORDER BY started_at")
      .all(taskId) as { stage: string; attempt: number; status: string }[];
  } finally {
    db.close();
  }
}

describe("running tasks with agents (real git, real tmux, real daemon)", () => {
  it("ccm demo runs one task end to end: worktree, window, hook events, every stage, diff, approve", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    const r = s.run(["demo"], { env: { CCM_DEMO_STEP_MS: "50" } });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain("merged into main");
    expect(r.stdout).toMatch(/planning → executing/);
    expect(r.stdout).toContain("hook PreToolUse Write");
    const task = s.json<TaskJson>(["task", "show", "1"]);
    expect(task.state).toBe("merged");
    expect(task.reports.map((x) => x.kind)).toEqual(["plan", "review", "verify"]);
    expect(task.reports.find((x) => x.kind === "verify")?.status).toBe("pass");
    expect(task.commits.map((c) => c.subject)).toContain("Add greeting.txt (demo agent)");
    expect(stageRuns(s, 1).map((x) => `${x.stage}:${x.status}`)).toEqual([
      "planning:done",
      "executing:done",
      "reviewing:done",
      "verifying:done",
    ]);
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
    const invalid = db.prepare("SELECT event, reason FROM events WHERE valid = 0").all();
    const hookCount = (
      db.prepare("SELECT count(*) AS n FROM events WHERE source = 'hook'").get() as { n: number }
    ).n;
    db.close();
    expect(invalid).toEqual([]);
    expect(hookCount).toBeGreaterThan(10);
    const repo = r.stdout.match(/sample repository (\S+)/)?.[1] ?? "";
    expect(readFileSync(join(repo, "greeting.txt"), "utf8")).toContain("Hello from ccm");
    expect(existsSync(task.worktreePath ?? "/nonexistent")).toBe(false);
  });

  it("the real Claude Code CLI works a task: hooks land in SQLite, the commit is on ccm/task-<id>", async () => {
    await using claude = await createClaudeSandbox({ baseUrl: "http://127.0.0.1:1" });
    await using api = await startFakeAnthropic([
      [
        {
          type: "tool_use",
          name: "Bash",
          input: {
            command: "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -q -m 'Add hello.txt'",
            description: "Create and commit hello.txt",
          },
        },
      ],
      [{ type: "text", text: "Created hello.txt and committed it." }],
    ]);
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack, `\n  claude_code:\n    command: ${claudeBinary()}\n    args: []`);
    const repo = s.gitRepo("app");
    s.run(["init"], { cwd: repo });
    execFileSync(
      "sh",
      [
        "-c",
        'printf "verify: test -f hello.txt\\npermission_mode: bypassPermissions\\n" >> .ccm/config.yaml',
      ],
      { cwd: repo },
    );
    const env = {
      ...claude.env,
      ANTHROPIC_BASE_URL: api.url,
      HOME: s.home,
      CCM_HOME: s.ccmHome,
      PATH: s.env.PATH ?? "/usr/bin:/bin",
    };
    const created = s.json<{ id: number }>([
      "task",
      "create",
      "-p",
      "app",
      "--skip",
      "planning,reviewing",
      "Add hello.txt",
    ]);
    expect(s.run(["daemon", "start"], { env }).code).toBe(0);
    const task = await waitForState(s, created.id, ["awaiting_approval", "failed"]);
    expect(task.failureReason).toBeNull();
    expect(task.state).toBe("awaiting_approval");
    expect(task.branch).toBe(`ccm/task-${created.id}`);
    const log = execFileSync("git", ["log", "--format=%s", `main..${task.branch}`], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(log.trim().split("\n")).toContain("Add hello.txt");
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
    const events = db
      .prepare("SELECT source, event, tool FROM events WHERE task_id = ? ORDER BY id")
      .all(created.id) as { source: string; event: string; tool: string | null }[];
    db.close();
    const hooks = events
      .filter((e) => e.source === "hook")
      .map((e) => (e.tool ? `${e.event}:${e.tool}` : e.event));
    for (const name of ["SessionStart", "UserPromptSubmit", "PreToolUse:Bash", "PostToolUse:Bash", "Stop"]) {
      expect(hooks).toContain(name);
    }
    expect(events.some((e) => e.source === "stream")).toBe(true);
    const diff = s.run(["task", "diff", String(created.id), "--stat"]);
    expect(diff.stdout).toContain("hello.txt");
    const approve = s.run(["task", "approve", String(created.id), "--squash"]);
    expect(approve.code, approve.stderr).toBe(0);
    expect(readFileSync(join(repo, "hello.txt"), "utf8")).toBe("hello\n");
  });

  it("survives kill -9 of the daemon mid-task: the window is re-adopted and no stage runs twice", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    const repo = s.gitRepo("slow");
    s.run(["init"], { cwd: repo });
    execFileSync("sh", ["-c", 'printf "agent: demo\\nverify: test -f greeting.txt\\n" >> .ccm/config.yaml'], {
      cwd: repo,
    });
    const created = s.json<{ id: number }>(["task", "create", "-p", "slow", "Add a greeting"]);
    const started = JSON.parse(
      s.run(["daemon", "start", "--json"], { env: { CCM_DEMO_STEP_MS: "700" } }).stdout,
    ) as {
      pid: number;
    };
    await waitForState(s, created.id, ["executing"], 30_000);
    await new Promise((r) => setTimeout(r, 600));
    process.kill(started.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1500)); // the agent keeps working without a daemon
    expect(s.run(["daemon", "start"], { env: { CCM_DEMO_STEP_MS: "700" } }).code).toBe(0);
    const task = await waitForState(s, created.id, ["awaiting_approval", "failed"], 60_000);
    expect(task.state).toBe("awaiting_approval");
    const runs = stageRuns(s, created.id);
    for (const stage of ["planning", "executing", "reviewing", "verifying"]) {
      expect(runs.filter((r) => r.stage === stage && r.status === "done")).toHaveLength(1);
    }
    expect(runs.every((r) => r.status === "done")).toBe(true);
  });

  it("respects agents.max_concurrent, cancels a running task keeping its work, and never half-merges on conflict", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    const config = join(s.ccmHome, "config.yaml");
    execFileSync("sed", ["-i", "s/max_concurrent: 10/max_concurrent: 1/", config]);
    const repo = s.gitRepo("busy");
    s.run(["init"], { cwd: repo });
    execFileSync(
      "sh",
      [
        "-c",
        'printf "agent: demo\\nstages: {planning: false, reviewing: false, verifying: false}\\n" >> .ccm/config.yaml',
      ],
      { cwd: repo },
    );
    const a = s.json<{ id: number }>(["task", "create", "-p", "busy", "first"]);
    const b = s.json<{ id: number }>(["task", "create", "-p", "busy", "second"]);
    expect(s.run(["daemon", "start"], { env: { CCM_DEMO_STEP_MS: "400" } }).code).toBe(0);
    await waitForState(s, a.id, ["executing"]);
    expect(s.json<TaskJson>(["task", "show", String(b.id)]).state).toBe("queued");
    const agents = s.json<{ taskId: number }[]>(["agent", "list"]);
    expect(agents.map((x) => x.taskId)).toEqual([a.id]);

    const done = await waitForState(s, a.id, ["awaiting_approval"]);
    expect(done.commits.length).toBeGreaterThan(0);
    await waitForState(s, b.id, ["executing"]);
    expect(s.run(["task", "cancel", String(b.id)]).code).toBe(0);
    const deadline = Date.now() + 20_000;
    while (s.json<{ taskId: number }[]>(["agent", "list"]).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(s.json<unknown[]>(["agent", "list"])).toEqual([]);
    const cancelled = s.json<TaskJson>(["task", "show", String(b.id)]);
    expect(cancelled.state).toBe("cancelled");
    expect(existsSync(cancelled.worktreePath ?? "/nonexistent")).toBe(true);

    // A conflicting change lands on main meanwhile: approving changes nothing and names the file.
    execFileSync(
      "sh",
      ["-c", 'printf "mine\\n" > greeting.txt && git add greeting.txt && git commit -q -m theirs'],
      { cwd: repo },
    );
    const before = execFileSync("git", ["rev-parse", "main"], { cwd: repo, encoding: "utf8" });
    const approve = s.run(["task", "approve", String(a.id)]);
    expect(approve.code).toBe(5);
    expect(approve.stderr).toContain("greeting.txt");
    expect(execFileSync("git", ["rev-parse", "main"], { cwd: repo, encoding: "utf8" })).toBe(before);
    expect(
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repo, encoding: "utf8" }),
    ).toBe("");
    expect(s.json<TaskJson>(["task", "show", String(a.id)]).state).toBe("awaiting_approval");
    expect(s.run(["task", "reject", String(a.id), "--reason", "conflicts"]).code).toBe(0);
  });
});
