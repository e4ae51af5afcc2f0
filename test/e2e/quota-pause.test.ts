import { execFileSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { RESUME_PROMPT } from "../../src/daemon/stage-start.js";
import { claudeBinary, createClaudeSandbox } from "../fixtures/claude-env.js";
import { type RecordedRequest, startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { RUN_MARKER_ENV } from "../fixtures/process-sweep.js";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";

// Pause and resume end to end: the real daemon runs the real Claude Code binary (headless) in a private
// tmux server against the scripted Messages API. `ccm quota pause` lands while a tool call is running;
// the tool call completes, the agent stops before its next model request, the task is paused with its
// session kept; `ccm quota resume` continues the same session with --resume and the task finishes.

interface TaskJson {
  id: number;
  state: string;
  stage: string | null;
  branch: string | null;
  sessionId: string | null;
  pausedBy: string | null;
  failureReason: string | null;
  transitions: { from: string | null; to: string; reason: string; actor: string }[];
  agents: {
    id: number;
    stage: string;
    runDir: string;
    sessionId: string | null;
    gateStoppedAt: number | null;
  }[];
}

function userTexts(request: RecordedRequest): string {
  return JSON.stringify(request.body?.messages ?? []);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A headless project (planning/reviewing off, a verify command), the real Claude Code binary against the
 * scripted API whose first tool call waits for the `go` file, one task, and the daemon started.
 */
async function startWaitingTask(stack: AsyncDisposableStack, configYaml = "") {
  const w = agentWorld(stack, `\n  claude_code:\n    command: ${claudeBinary()}\n    args: []`);
  if (configYaml) appendFileSync(join(w.ccmHome, "config.yaml"), configYaml);
  const go = join(w.root, "go");
  const commit = (file: string, extra = "") => ({
    type: "tool_use" as const,
    name: "Bash",
    input: {
      command: `${extra}printf 'x\\n' > ${file} && git add ${file} && git commit -q -m 'Add ${file}'`,
      description: `Commit ${file}`,
    },
  });
  const api = stack.use(
    await startFakeAnthropic([
      // The first tool call waits for the test to say go: the pause lands while it runs.
      [commit("one.txt", `while [ ! -f '${go}' ]; do sleep 0.1; done; `)],
      [commit("two.txt")],
      [{ type: "text", text: "Both files are committed." }],
    ]),
  );
  const claude = stack.use(await createClaudeSandbox({ baseUrl: api.url }));
  const repo = w.gitRepo("app");
  w.run(["init"], { cwd: repo });
  appendFileSync(
    join(repo, ".ccm", "config.yaml"),
    "mode: headless\npermission_mode: bypassPermissions\nverify: test -f one.txt && test -f two.txt\nstages: {planning: false, reviewing: false}\n",
  );
  const env = {
    ...claude.env,
    HOME: w.home,
    CCM_HOME: w.ccmHome,
    PATH: w.env.PATH ?? "/usr/bin:/bin",
    [RUN_MARKER_ENV]: w.marker,
  };
  const { id } = w.json<{ id: number }>(["task", "create", "-p", "app", "Add one.txt and two.txt"]);
  const started = w.run(["daemon", "start"], { env });
  expect(started.code, started.stderr).toBe(0);
  // The agent is inside its first tool call.
  await until("the first tool call", () => (api.turnRequests().length === 1 ? true : undefined));
  await until("PreToolUse", () => {
    const db = new DatabaseSync(join(w.ccmHome, "ccm.db"), { readOnly: true });
    try {
      return db.prepare("SELECT 1 FROM events WHERE task_id = ? AND event = 'PreToolUse'").get(id)
        ? true
        : undefined;
    } finally {
      db.close();
    }
  });
  return { w, api, repo, id, go, configDir: claude.configDir };
}

function branchLog(repo: string, id: number): string {
  return execFileSync("git", ["log", "--format=%s", `main..ccm/task-${id}`], { cwd: repo, encoding: "utf8" });
}

describe("pause and resume with a real agent run", () => {
  it("quota pause stops the agent after its running tool call; quota resume continues its session", async () => {
    await using stack = new AsyncDisposableStack();
    const { w, api, repo, id, go } = await startWaitingTask(stack);
    const held = w.json<{ held: boolean; asked: number[] }>(["quota", "pause", "--reason", "lunch break"]);
    expect(held).toEqual({ held: true, asked: [id] });
    writeFileSync(go, "");

    const paused = await waitForTaskState<TaskJson>(w, id, ["paused", "failed", "awaiting_approval"], 60_000);
    expect(paused.failureReason).toBeNull();
    expect(paused.state).toBe("paused");
    expect(paused.stage).toBe("executing");
    expect(paused.pausedBy).toBe("quota");
    expect(paused.transitions.at(-1)).toMatchObject({ from: "executing", to: "paused", actor: "cli" });
    expect(paused.transitions.at(-1)?.reason).toContain("lunch break");
    const firstRun = paused.agents.find((a) => a.stage === "executing");
    expect(firstRun?.gateStoppedAt).not.toBeNull();
    // The tool call completed (its commit is on the branch); no further model request was made.
    expect(branchLog(repo, id)).toContain("Add one.txt");
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0]);
    const status = w.json<{ held: boolean; holdCause: string; pausedTasks: { id: number }[] }>([
      "quota",
      "status",
    ]);
    expect(status).toMatchObject({ held: true, holdCause: "manual", pausedTasks: [{ id }] });

    const resumed = w.json<{ resumed: number[] }>(["quota", "resume"]);
    expect(resumed.resumed).toEqual([id]);
    const done = await waitForTaskState<TaskJson>(w, id, ["awaiting_approval", "failed"], 90_000);
    expect(done.failureReason).toBeNull();
    expect(done.state).toBe("awaiting_approval");
    const runs = done.agents.filter((a) => a.stage === "executing");
    expect(runs).toHaveLength(2);
    const spec = JSON.parse(readFileSync(join(runs[1]!.runDir, "spec.json"), "utf8")) as { args: string[] };
    expect(spec.args).toEqual(expect.arrayContaining(["--resume", String(paused.sessionId)]));
    expect(runs[1]?.sessionId).toBe(paused.sessionId);
    // The resumed conversation carried the finished tool call's result and our resume note.
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0, 1, 2]);
    const resumedRequest = api.turnRequests()[1]!;
    expect(userTexts(resumedRequest)).toContain("tool_result");
    expect(userTexts(resumedRequest)).toContain(RESUME_PROMPT.slice(0, 40));
    expect(done.transitions.map((t) => `${t.from}>${t.to}:${t.actor}`)).toEqual(
      expect.arrayContaining(["executing>paused:cli", "paused>queued:cli", "queued>executing:daemon"]),
    );
    const log = execFileSync("git", ["log", "--format=%s", `main..ccm/task-${id}`], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(log).toContain("Add two.txt");
  }, 180_000);

  it("critical usage pauses the agent by itself; after the reported reset it resumes by itself; alerts go out once", async () => {
    await using stack = new AsyncDisposableStack();
    const { w, api, repo, id, go, configDir } = await startWaitingTask(
      stack,
      "quota:\n  resume_spread_seconds: 0\n  poll_interval_seconds: 3600\n",
    );
    // What the status line of an interactive session on the same account would record: 95 %, reset in 1 h.
    const resetsAt = Date.now() + 3_600_000;
    const db = new DatabaseSync(join(w.ccmHome, "ccm.db"));
    db.prepare(
      "INSERT INTO quota_samples (account, source, window, used_percent, resets_at, at) VALUES (?, 'statusline', 'five_hour', 95, ?, ?)",
    ).run(configDir, resetsAt, Date.now());
    db.close();
    await until("the pause request", () => {
      const t = w.json<TaskJson & { pauseRequest: { actor: string } | null }>(["task", "show", String(id)]);
      return t.pauseRequest ? t : undefined;
    });
    writeFileSync(go, "");
    const paused = await waitForTaskState<TaskJson>(w, id, ["paused", "failed", "awaiting_approval"], 60_000);
    expect(paused.state).toBe("paused");
    expect(paused.transitions.at(-1)).toMatchObject({ from: "executing", to: "paused", actor: "quota" });
    expect(paused.transitions.at(-1)?.reason).toContain("quota critical: 5-hour usage 95% (statusline)");
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0]);
    const status = w.json<{ held: boolean; holdCause: string; pausedTasks: { id: number }[] }>([
      "quota",
      "status",
    ]);
    expect(status).toMatchObject({ held: true, holdCause: "critical", pausedTasks: [{ id }] });

    // The hour passes (the daemon runs on the real clock, so the reported reset time is moved instead).
    const later = new DatabaseSync(join(w.ccmHome, "ccm.db"));
    later
      .prepare("UPDATE quota_samples SET resets_at = ? WHERE source = 'statusline'")
      .run(Date.now() - 1000);
    later.close();

    const done = await waitForTaskState<TaskJson>(w, id, ["awaiting_approval", "failed"], 90_000);
    expect(done.state).toBe("awaiting_approval");
    const resume = done.transitions.find((t) => t.from === "paused");
    expect(resume).toMatchObject({ to: "queued", actor: "quota" });
    expect(branchLog(repo, id)).toContain("Add two.txt");
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0, 1, 2]);
    const alerts = w.json<{
      alerts: { code: string; taskId: number | null; deliveries: Record<string, string> | null }[];
    }>(["quota", "alerts"]).alerts;
    expect(alerts.filter((a) => a.code === "quota.critical")).toHaveLength(1);
    expect(alerts.filter((a) => a.code === "task.paused" && a.taskId === id)).toHaveLength(1);
    expect(alerts.filter((a) => a.code === "task.resumed" && a.taskId === id)).toHaveLength(1);
  }, 180_000);
});
