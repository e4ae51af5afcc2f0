import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { claudeBinary, createClaudeSandbox, seedClaudeJson } from "../fixtures/claude-env.js";
import { type RecordedRequest, startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { RUN_MARKER_ENV } from "../fixtures/process-sweep.js";
import { type AgentWorld, agentWorld } from "../helpers/agent-world.js";
import type { Sandbox } from "../helpers/cli.js";

// The interactive (TUI) and hybrid modes with the real Claude Code binary, driven by the real daemon in a
// private tmux server, the model being the scripted fake Messages API.

interface AgentJson {
  id: number;
  stage: string;
  mode: string;
  status: string;
  sessionId: string | null;
  runDir: string;
  tmuxWindow: string | null;
  windowName: string | null;
  result: { ok: boolean; text: string; sessionId?: string; error?: string } | null;
  startedAt: number;
  endedAt: number | null;
}

interface TaskJson {
  id: number;
  state: string;
  branch: string | null;
  worktreePath: string | null;
  sessionId: string | null;
  failureReason: string | null;
  transitions: { from: string | null; to: string; reason: string }[];
  reports: { kind: string; status: string | null; body: string }[];
  commits: { sha: string; subject: string; checkpoint: boolean }[];
  agents: AgentJson[];
}

interface HookRow {
  event: string;
  tool: string | null;
  agentId: number | null;
  payload: Record<string, unknown>;
  at: number;
}

type World = AgentWorld;

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 60_000,
  describeLast: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describeLast()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function showTask(s: Sandbox, id: number): TaskJson {
  return s.json<TaskJson>(["task", "show", String(id)]);
}

async function waitForState(w: World, id: number, states: string[], timeoutMs = 60_000): Promise<TaskJson> {
  let last: TaskJson | undefined;
  return waitFor(
    `task #${id} to be ${states.join("|")}`,
    () => {
      last = showTask(w, id);
      return states.includes(last.state) ? last : undefined;
    },
    timeoutMs,
    () => `${JSON.stringify(last, null, 1).slice(0, 4000)}\n--- screen ---\n${screens(w)}`,
  );
}

/** Every window's screen, for failure messages (never used to decide anything). */
function screens(w: World): string {
  try {
    const ids = w.tmux("list-windows", "-a", "-F", "#{window_id}").trim().split("\n");
    return ids.map((id) => `[${id}]\n${w.tmux("capture-pane", "-p", "-t", id)}`).join("\n");
  } catch (error) {
    return `(no tmux: ${(error as Error).message})`;
  }
}

function hookRows(s: Sandbox, taskId: number): HookRow[] {
  const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
  try {
    const rows = db
      .prepare(
        "SELECT event, tool, agent_id, payload, at FROM events WHERE task_id = ? AND source = 'hook' ORDER BY id",
      )
      .all(taskId) as {
      event: string;
      tool: string | null;
      agent_id: number | null;
      payload: string;
      at: number;
    }[];
    return rows.map((r) => ({
      event: r.event,
      tool: r.tool,
      agentId: r.agent_id,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      at: r.at,
    }));
  } finally {
    db.close();
  }
}

/** Error lines of the daemon log (a failed send-keys, a failed stage): there should be none. */
function daemonErrors(s: Sandbox): string[] {
  const text = readFileSync(join(s.ccmHome, "logs", "daemon.log"), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "" && (JSON.parse(line) as { level: number }).level >= 50);
}

function gitLog(repo: string, range: string): string[] {
  return execFileSync("git", ["log", "--format=%s", range], { cwd: repo, encoding: "utf8" })
    .trim()
    .split("\n");
}

function commitTool(file: string, message: string) {
  return {
    type: "tool_use" as const,
    name: "Bash",
    input: {
      command: `printf 'hello\\n' > ${file} && git add ${file} && git commit -q -m '${message}'`,
      description: `Create and commit ${file}`,
    },
  };
}

/** The text of every user message of a request, flattened (strings and text blocks). */
function userTexts(request: RecordedRequest): string[] {
  return (request.body?.messages ?? [])
    .filter((m) => m.role === "user")
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.map((b) => (typeof b.text === "string" ? b.text : "")).join(""),
    );
}

interface Started {
  w: World;
  api: Awaited<ReturnType<typeof startFakeAnthropic>>;
  repo: string;
  taskId: number;
  /** Date.now() when `ccm daemon start` returned. */
  daemonUp: number;
}

/**
 * A project in the given mode with planning/reviewing off and a verify command, a sealed Claude config
 * that trusts only the project directory, one task, and the daemon started with the sealed environment.
 */
async function startTask(
  stack: AsyncDisposableStack,
  options: {
    mode: "interactive" | "hybrid";
    script: Parameters<typeof startFakeAnthropic>[0];
    prompt: string;
    automations?: Record<string, string>;
    /** Seed the project as trusted (default true); false leaves Claude Code's trust dialog in the way. */
    trusted?: boolean;
  },
): Promise<Started> {
  const api = stack.use(await startFakeAnthropic(options.script));
  const claude = stack.use(await createClaudeSandbox({ baseUrl: api.url }));
  const w = agentWorld(stack, `\n  claude_code:\n    command: ${claudeBinary()}\n    args: []`);
  const repo = w.gitRepo("app");
  w.run(["init"], { cwd: repo });
  appendFileSync(
    join(repo, ".ccm", "config.yaml"),
    `mode: ${options.mode}\npermission_mode: bypassPermissions\nverify: test -f hello.txt\nstages: {planning: false, reviewing: false}\n`,
  );
  for (const [name, text] of Object.entries(options.automations ?? {})) {
    mkdirSync(join(repo, ".ccm", "automations"), { recursive: true });
    writeFileSync(join(repo, ".ccm", "automations", name), text, { mode: 0o755 });
  }
  // Only the project is trusted: its worktrees (<repo>/.ccm/worktrees/task-N) are covered as subdirectories.
  await seedClaudeJson(claude.configDir, {
    apiKey: claude.apiKey,
    trustedDirs: options.trusted === false ? [] : [repo],
  });
  const env = {
    ...claude.env,
    ANTHROPIC_BASE_URL: api.url,
    HOME: w.home,
    CCM_HOME: w.ccmHome,
    PATH: w.env.PATH ?? "/usr/bin:/bin",
    [RUN_MARKER_ENV]: w.marker,
  };
  const created = w.json<{ id: number }>(["task", "create", "-p", "app", options.prompt]);
  const start = w.run(["daemon", "start"], { env });
  expect(start.code, start.stderr).toBe(0);
  return { w, api, repo, taskId: created.id, daemonUp: Date.now() };
}

function specOf(run: AgentJson): { args: string[]; interactive: boolean; cwd: string } {
  return JSON.parse(readFileSync(join(run.runDir, "spec.json"), "utf8"));
}

describe("interactive and hybrid modes with the real Claude Code CLI (real daemon, real tmux)", () => {
  it("interactive: the TUI gets the prompt in the task's window, Stop ends the turn, the daemon exits it; a reply resumes it", async () => {
    await using stack = new AsyncDisposableStack();
    const { w, api, repo, taskId, daemonUp } = await startTask(stack, {
      mode: "interactive",
      prompt: "Add hello.txt",
      script: [
        [commitTool("hello.txt", "Add hello.txt")],
        [{ type: "text", text: "Created hello.txt and committed it." }],
        [commitTool("second.txt", "Add second.txt")],
        [{ type: "text", text: "Added second.txt as asked." }],
      ],
    });

    // The TUI runs in the task's window, under the wrapper, in the task's worktree.
    const agent = await waitFor("the agent's window", () => {
      const a = showTask(w, taskId).agents.find((x) => x.stage === "executing");
      return a?.tmuxWindow ? a : undefined;
    });
    expect(agent.mode).toBe("interactive");
    expect(agent.windowName).toBe(`app:${taskId}`);
    const spec = specOf(agent);
    expect(spec.interactive).toBe(true);
    expect(spec.args).not.toContain("-p");
    expect(spec.args).not.toContain("--resume");
    expect(spec.cwd).toBe(join(repo, ".ccm", "worktrees", `task-${taskId}`));

    const task = await waitForState(w, taskId, ["awaiting_approval", "failed"], 90_000);
    const finished = Date.now();
    expect(task.failureReason).toBeNull();
    expect(task.state).toBe("awaiting_approval");
    expect(task.branch).toBe(`ccm/task-${taskId}`);
    expect(gitLog(repo, `main..${task.branch}`)).toContain("Add hello.txt");
    expect(task.reports.find((r) => r.kind === "verify")?.status).toBe("pass");

    // The hooks tell the story: started, prompt typed and submitted, tool ran, turn ended, /exit ended it.
    const hooks = hookRows(w, taskId);
    const names = hooks.map((h) => (h.tool ? `${h.event}:${h.tool}` : h.event));
    for (const name of [
      "SessionStart",
      "UserPromptSubmit",
      "PreToolUse:Bash",
      "PostToolUse:Bash",
      "Stop",
      "SessionEnd",
    ])
      expect(names).toContain(name);
    expect(names.filter((n) => n === "UserPromptSubmit")).toHaveLength(1);
    const submit = hooks.find((h) => h.event === "UserPromptSubmit");
    expect(String(submit?.payload.prompt)).toContain("Add hello.txt");
    expect(hooks.find((h) => h.event === "SessionEnd")?.payload.reason).toBe("prompt_input_exit");
    const lastStop = hooks.filter((h) => h.event === "Stop").at(-1);
    expect(lastStop?.payload.last_assistant_message).toBe("Created hello.txt and committed it.");

    // The stored result is the Stop hook's last_assistant_message, with the session.
    const run = task.agents.find((a) => a.stage === "executing");
    expect(run?.status).toBe("exited");
    expect(run?.result?.ok).toBe(true);
    expect(run?.result?.text).toBe(lastStop?.payload.last_assistant_message);
    const sessionId = hooks.find((h) => h.event === "SessionStart")?.payload.session_id;
    expect(run?.sessionId).toBe(sessionId);
    expect(task.sessionId).toBe(sessionId);

    // The model saw exactly the two scripted turns, and the prompt typed in was the task's.
    const turns = api.turnRequests();
    expect(turns.map((r) => r.turn)).toEqual([0, 1]);
    // The stage prompt is several lines: it goes in as one bracketed paste, whole, and is submitted once.
    const sent = userTexts(turns[0]!).join("\n");
    expect(sent).toContain("Add hello.txt");
    expect(sent).toContain(`working on branch ccm/task-${taskId}`);
    expect(sent).toContain("Do not push, switch branches, or change other branches.)");

    // A follow-up starts a new TUI on the same session (--resume), typed in the same way.
    const followUp = "Now also add second.txt";
    const reply = w.run(["task", "reply", String(taskId), followUp]);
    expect(reply.code, reply.stderr).toBe(0);
    const again = await waitForState(w, taskId, ["awaiting_approval", "failed"], 90_000);
    const replied = Date.now();
    expect(again.failureReason).toBeNull();
    expect(again.state).toBe("awaiting_approval");
    const run2 = again.agents.filter((a) => a.stage === "executing")[1];
    expect(specOf(run2!).args).toEqual(expect.arrayContaining(["--resume", String(sessionId)]));
    expect(run2?.sessionId).toBe(sessionId);
    expect(run2?.result?.text).toBe("Added second.txt as asked.");
    expect(gitLog(repo, `main..${again.branch}`)).toEqual(
      expect.arrayContaining(["Add hello.txt", "Add second.txt"]),
    );
    const resumed = api.turnRequests()[2]!;
    expect(resumed.turn).toBe(2);
    expect(userTexts(resumed).join("\n")).toContain(followUp);
    expect(JSON.stringify(resumed.body?.messages)).toContain("Created hello.txt and committed it.");
    const starts = hookRows(w, taskId).filter((h) => h.event === "SessionStart");
    expect(starts.map((h) => h.payload.source)).toEqual(["startup", "resume"]);
    expect(daemonErrors(w)).toEqual([]);
    const t0 = run?.startedAt ?? 0;
    const at = (event: string) => (hooks.find((h) => h.event === event)?.at ?? t0) - t0;
    console.log(
      `interactive timeline (ms after the window opened): SessionStart ${at("SessionStart")}, ` +
        `UserPromptSubmit ${at("UserPromptSubmit")}, Stop ${at("Stop")}, SessionEnd ${at("SessionEnd")}, ` +
        `run finished ${(run?.endedAt ?? t0) - t0}`,
    );
    console.log(
      `interactive: first run done ${finished - daemonUp} ms after daemon start, follow-up ${replied - finished} ms; ` +
        `hooks ${names.join(", ")}; side requests ${api.requests.filter((r) => r.kind === "side").length}`,
    );
  }, 150_000);

  it("interactive: a Stop automation that sends the agent back to work is not cut short by /exit", async () => {
    await using stack = new AsyncDisposableStack();
    // Blocks the first Stop (after a pause, so the daemon has every chance to see the turn "end"), lets
    // the second one through once hello.txt is committed.
    const gate = [
      "#!/bin/sh",
      "# ccm-events: Stop",
      "# ccm-timeout: 20",
      'cd "$CCM_WORKTREE" || exit 1',
      "git log --format=%s | grep -q 'Add hello.txt' && exit 0",
      "sleep 1.5",
      "echo 'hello.txt is not committed yet' >&2",
      "exit 2",
      "",
    ].join("\n");
    const { w, api, repo, taskId } = await startTask(stack, {
      mode: "interactive",
      prompt: "Add hello.txt",
      automations: { "stop-gate": gate },
      script: [
        [{ type: "text", text: "Done, I think." }],
        [commitTool("hello.txt", "Add hello.txt")],
        [{ type: "text", text: "Now hello.txt is committed." }],
      ],
    });
    const task = await waitForState(w, taskId, ["awaiting_approval", "failed"], 90_000);
    expect(task.failureReason).toBeNull();
    expect(task.state).toBe("awaiting_approval");
    expect(gitLog(repo, `main..${task.branch}`)).toContain("Add hello.txt");
    const stops = hookRows(w, taskId).filter((h) => h.event === "Stop");
    expect(stops.map((h) => h.payload.stop_hook_active)).toEqual([false, true]);
    const run = task.agents.find((a) => a.stage === "executing");
    expect(run?.result?.text).toBe("Now hello.txt is committed.");
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0, 1, 2]);
    expect(daemonErrors(w)).toEqual([]);
  }, 120_000);

  it("interactive: nothing is typed while Claude Code shows its folder-trust dialog; cancel closes the window", async () => {
    await using stack = new AsyncDisposableStack();
    const { w, api, taskId } = await startTask(stack, {
      mode: "interactive",
      prompt: "Add hello.txt",
      trusted: false,
      script: [[{ type: "text", text: "never asked" }]],
    });
    const agent = await waitFor("the agent's window", () => {
      const a = showTask(w, taskId).agents.find((x) => x.stage === "executing");
      return a?.tmuxWindow ? a : undefined;
    });
    // The TUI is up (it reaches its prompt in under a second when trusted), but no hook has fired.
    await new Promise((r) => setTimeout(r, 4000));
    const task = showTask(w, taskId);
    expect(task.state).toBe("executing");
    expect(task.agents[0]?.sessionId).toBeNull();
    expect(existsSync(join(agent.runDir, "initial-input.sent"))).toBe(false);
    expect(hookRows(w, taskId)).toEqual([]);
    expect(api.requests.filter((r) => r.kind === "turn")).toEqual([]);
    expect(w.tmux("list-windows", "-a", "-F", "#{window_id}")).toContain(agent.tmuxWindow);

    expect(w.run(["task", "cancel", String(taskId)]).code).toBe(0);
    await waitFor("the agent's window to close", () =>
      w.tmux("list-windows", "-a", "-F", "#{window_id}").includes(String(agent.tmuxWindow))
        ? undefined
        : true,
    );
    const cancelled = await waitFor("the run to be stopped", () => {
      const t = showTask(w, taskId);
      return t.agents[0]?.status === "exited" ? t : undefined;
    });
    expect(cancelled.state).toBe("cancelled");
    expect(daemonErrors(w)).toEqual([]);
  }, 60_000);

  it("hybrid: a reply resumes the same Claude session (--resume) with the earlier conversation", async () => {
    await using stack = new AsyncDisposableStack();
    const { w, api, repo, taskId, daemonUp } = await startTask(stack, {
      mode: "hybrid",
      prompt: "Add hello.txt",
      script: [
        [commitTool("hello.txt", "Add hello.txt")],
        [{ type: "text", text: "Created hello.txt and committed it." }],
        [commitTool("second.txt", "Add second.txt")],
        [{ type: "text", text: "Added second.txt as asked." }],
      ],
    });
    const first = await waitForState(w, taskId, ["awaiting_approval", "failed"], 90_000);
    const firstDone = Date.now();
    expect(first.failureReason).toBeNull();
    expect(first.state).toBe("awaiting_approval");
    const run1 = first.agents.find((a) => a.stage === "executing");
    expect(run1?.mode).toBe("hybrid");
    const sessionId = run1?.sessionId ?? "";
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.sessionId).toBe(sessionId);
    expect(run1?.result?.text).toBe("Created hello.txt and committed it.");
    const spec1 = specOf(run1!);
    expect(spec1.args).toContain("-p");
    expect(spec1.args).not.toContain("--resume");
    expect(api.turnRequests().map((r) => r.turn)).toEqual([0, 1]);

    const followUp = "Now also add second.txt";
    const reply = w.run(["task", "reply", String(taskId), followUp]);
    expect(reply.code, reply.stderr).toBe(0);
    const second = await waitForState(w, taskId, ["awaiting_approval", "failed"], 90_000);
    const secondDone = Date.now();
    expect(second.failureReason).toBeNull();
    expect(second.state).toBe("awaiting_approval");
    const runs = second.agents.filter((a) => a.stage === "executing");
    expect(runs).toHaveLength(2);
    const run2 = runs[1]!;
    const spec2 = specOf(run2);
    expect(spec2.args[spec2.args.indexOf("--resume") + 1]).toBe(sessionId);
    expect(spec2.args.at(-1)).toBe(followUp);
    expect(run2.sessionId).toBe(sessionId);
    expect(run2.result?.text).toBe("Added second.txt as asked.");

    // The follow-up's request carries the whole first conversation, then the follow-up.
    const turns = api.turnRequests();
    expect(turns.map((r) => r.turn)).toEqual([0, 1, 2, 3]);
    const resumed = turns[2]!;
    const firstTurn = turns[1]!; // the first run's last request: prompt, tool_use, tool_result
    const texts = userTexts(resumed).join("\n");
    expect(texts).toContain("Add hello.txt");
    expect(texts).toContain(followUp);
    const assistantBlocks = (resumed.body?.messages ?? [])
      .filter((m) => m.role === "assistant")
      .flatMap((m) => (typeof m.content === "string" ? [] : m.content));
    expect(assistantBlocks.some((b) => b.type === "tool_use" && b.name === "Bash")).toBe(true);
    expect(JSON.stringify(resumed.body?.messages)).toContain("Created hello.txt and committed it.");
    expect(resumed.body?.messages.length).toBeGreaterThan(firstTurn.body?.messages.length ?? 0);
    expect(resumed.headers["x-claude-code-session-id"]).toBe(sessionId);

    expect(gitLog(repo, `main..ccm/task-${taskId}`)).toEqual(
      expect.arrayContaining(["Add hello.txt", "Add second.txt"]),
    );
    const hooks = hookRows(w, taskId).filter((h) => h.event === "SessionStart");
    expect(hooks.map((h) => h.payload.source)).toEqual(["startup", "resume"]);
    expect(daemonErrors(w)).toEqual([]);
    console.log(
      `hybrid: first run done ${firstDone - daemonUp} ms after daemon start; follow-up done ${secondDone - firstDone} ms after`,
    );
  }, 150_000);
});
