import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentAdapter } from "../agents/adapter.js";
import { finishClaudeRun } from "../agents/claude-code/adapter.js";
import { createClaudeStreamParser } from "../agents/claude-code/stream-parser.js";
import type { Config } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import { configSchema } from "../config/schema.js";
import { activeAgentRuns, agentRunsForTask } from "../store/agents.js";
import { listEvents } from "../store/events.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, transitionTask } from "../store/tasks.js";
import { steppingClock, tempStore } from "../store/test-helpers.js";
import { createRunner } from "./runner.js";
import type { GitControl, TmuxControl } from "./runner-deps.js";
import { runFiles } from "./stage-start.js";

/**
 * The runner against a real store with fake tmux, git and agent: the test plays the agent by writing its
 * stream log and exit file, which is all the runner ever looks at.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const root = mkdtempSync(join(tmpdir(), "ccm-runner-"));
  dirs.push(root);
  const store = tempStore(steppingClock(Date.now()));
  const repo = join(root, "repo");
  mkdirSync(join(repo, ".ccm"), { recursive: true });
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    "base_branch: main\nagent: fake\nstages: {planning: false, reviewing: false, verifying: false}\n",
  );
  addProject(store, { name: "p", path: repo, baseBranch: "main" });
  const paths = resolvePaths({ HOME: root, CCM_HOME: join(root, ".ccm") });
  const raw = configSchema.parse({});
  const config = {
    ...raw,
    system: { ...raw.system, hostname: "h" },
    database: { sqlite_path: store.path },
    web_ui: { ...raw.web_ui, enabled: false },
    daemon: { ...raw.daemon, log_file: join(root, "log") },
  } as Config;
  const windows = new Map<string, boolean>();
  let nextWindow = 1;
  const tmux: TmuxControl = {
    socket: undefined,
    ensureSession: async () => {},
    newWindow: async () => {
      const id = `@${nextWindow++}`;
      windows.set(id, true);
      return { windowId: id, panePid: 4242 };
    },
    hasWindow: async (id) => windows.get(id) === true,
    killWindow: async (id) => {
      windows.set(id, false);
    },
    sendText: async () => {},
    listWindows: async () => [],
    findWindowByCommand: async () => undefined,
  };
  const checkpoints: string[] = [];
  const git: GitControl = {
    createTaskWorktree: async ({ taskId }) => {
      const path = join(repo, ".ccm", "worktrees", `task-${taskId}`);
      mkdirSync(path, { recursive: true });
      // What git leaves in a linked worktree; the stage end checks it is still there.
      writeFileSync(join(path, ".git"), `gitdir: ${join(repo, ".git", "worktrees", `task-${taskId}`)}\n`);
      return { path, branch: `ccm/task-${taskId}`, baseCommit: "base" };
    },
    copyWorktreeIncludes: async () => [],
    runSetup: async () => {},
    checkpointCommit: async (_wt, message) => {
      checkpoints.push(message);
      return null;
    },
    commitsSince: async () => [{ sha: "abc123", subject: "work" }],
  };
  const adapter: AgentAdapter = {
    kind: "custom",
    name: "fake",
    launch: async () => ({ command: "true", args: [], env: {}, interactive: false }),
    createParser: createClaudeStreamParser,
    finish: finishClaudeRun,
  };
  const deps = {
    store,
    log: pino({ level: "silent" }),
    config,
    paths,
    tmux,
    git,
    adapter: () => adapter,
    hook: { command: process.execPath, args: ["hook.js"] },
    wrapperEntry: "wrapper.js",
    livenessEveryMs: 0,
  };
  return { store, deps, windows, checkpoints, runner: createRunner(deps) };
}

const init = JSON.stringify({ type: "system", subtype: "init", session_id: "s-1", model: "m", tools: [] });
const toolUse = JSON.stringify({
  type: "assistant",
  session_id: "s-1",
  message: {
    id: "m1",
    role: "assistant",
    content: [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "ls" } }],
  },
});
const result = JSON.stringify({
  type: "result",
  subtype: "success",
  is_error: false,
  result: "done",
  session_id: "s-1",
  num_turns: 1,
  total_cost_usd: 0.01,
  usage: { input_tokens: 1, output_tokens: 1 },
});

async function pass(runner: ReturnType<typeof createRunner>) {
  await runner.reconcile();
  await runner.drain();
}

describe("runner", () => {
  it("starts the stage, ingests the stream exactly once across a restart, and finishes on the exit file", async () => {
    const { store, deps, runner } = setup();
    const task = createTask(store, { project: "p", prompt: "do it" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    expect(getTask(store, task.id).state).toBe("executing");
    await pass(runner);
    const [run] = agentRunsForTask(store, task.id);
    expect(run).toMatchObject({ status: "working", tmuxWindow: "@1", stage: "executing" });
    const log = runFiles(run!.runDir).log;

    writeFileSync(log, `${init}\n${toolUse}\n`);
    await pass(runner);
    expect(listEvents(store, { taskId: task.id }).map((e) => `${e.event}:${e.tool}`)).toEqual([
      "tool_use:Bash",
    ]);

    // A new daemon (a new runner) takes over: nothing is ingested twice, the new lines are.
    const second = createRunner(deps);
    appendFileSync(log, `${result}\n`);
    await pass(second);
    expect(listEvents(store, { taskId: task.id })).toHaveLength(1);
    writeFileSync(runFiles(run!.runDir).exit, JSON.stringify({ code: 0, signal: null }));
    await pass(second);
    const done = getTask(store, task.id);
    expect(done.state).toBe("awaiting_approval");
    expect(done.sessionId).toBe("s-1");
    expect(agentRunsForTask(store, task.id)[0]).toMatchObject({ status: "exited", exitCode: 0 });
    await pass(second);
    expect(agentRunsForTask(store, task.id)).toHaveLength(1);
  });

  it("fails the task with the reason when the agent reports an error", async () => {
    const { store, runner } = setup();
    const task = createTask(store, { project: "p", prompt: "x" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    await pass(runner);
    const run = agentRunsForTask(store, task.id)[0]!;
    writeFileSync(runFiles(run.runDir).exit, JSON.stringify({ code: 1, signal: null }));
    await pass(runner);
    const failed = getTask(store, task.id);
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toMatch(/executing failed: .*exited/);
  });

  it("stops the agent of a cancelled task and checkpoints its worktree", async () => {
    const { store, runner, windows, checkpoints } = setup();
    const task = createTask(store, { project: "p", prompt: "x" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    await pass(runner);
    transitionTask(store, task.id, "cancelled", { reason: "user", actor: "test" });
    await pass(runner);
    expect(windows.get("@1")).toBe(false);
    expect(checkpoints.some((m) => m.includes("cancelled"))).toBe(true);
    expect(activeAgentRuns(store)).toEqual([]);
  });

  it("marks a run whose window vanished without an exit as lost and fails the stage", async () => {
    const { store, runner, windows } = setup();
    const task = createTask(store, { project: "p", prompt: "x" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    await pass(runner);
    windows.set("@1", false);
    await pass(runner);
    const failed = getTask(store, task.id);
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toContain("tmux window disappeared");
  });

  it("restarts a stage whose start was cut short (a run with no window)", async () => {
    const { store, deps, runner } = setup();
    const task = createTask(store, { project: "p", prompt: "x" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    // Simulate a daemon that died right after recording the run, before opening its window.
    store.db
      .prepare(
        "INSERT INTO agents (task_id, stage, kind, mode, status, run_dir, started_at) VALUES (?, 'executing', 'fake', 'headless', 'starting', '/nowhere', 0)",
      )
      .run(task.id);
    const next = createRunner(deps);
    await pass(next);
    await pass(next);
    const runs = agentRunsForTask(store, task.id);
    expect(runs.map((r) => r.status)).toEqual(["lost", "working"]);
  });

  it("ends an interactive agent left waiting for input past agents.max_idle_time, failing the stage with why", async () => {
    const { store, runner, windows } = setup();
    const task = createTask(store, { project: "p", prompt: "x" }, { maxQueueSize: 10 });
    await runner.dispatch(getTask(store, task.id));
    await pass(runner);
    const run = agentRunsForTask(store, task.id)[0]!;
    // As if the TUI had asked for a permission long ago and nobody answered.
    store.db
      .prepare(
        "UPDATE agents SET mode = 'interactive', status = 'waiting', last_event_at = 0, session_id = 's' WHERE id = ?",
      )
      .run(run.id);
    writeFileSync(runFiles(run.runDir).inputSent, "1");
    await pass(runner);
    expect(windows.get("@1")).toBe(false);
    writeFileSync(runFiles(run.runDir).exit, JSON.stringify({ code: 129, signal: null }));
    await pass(runner);
    const failed = getTask(store, task.id);
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toContain("agents.max_idle_time (300s)");
  });
});
