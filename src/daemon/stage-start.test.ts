import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import { projectConfigSchema } from "../config/project-config.js";
import { CcmError } from "../errors.js";
import { getAgentRun } from "../store/agents.js";
import { listEvents } from "../store/events.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, type Task } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import type { GitControl, RunnerDeps, TmuxControl } from "./runner-deps.js";
import { oneWorktreeAtATime, startStage } from "./stage-start.js";
import type { TaskPlan } from "./task-plan.js";

/** A deferred promise: settle it from the test. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** startStage with fake git and tmux that log their calls; the store is real. */
function setup(overrides: { git?: Partial<GitControl>; tmux?: Partial<TmuxControl> } = {}) {
  const store = tempStore();
  const home = join(store.dir, "ccm-home");
  mkdirSync(home);
  const env = { HOME: store.dir, CCM_HOME: home };
  const paths = resolvePaths(env);
  const { config } = parseConfigText("", { file: paths.config, paths, env });
  const repo = join(store.dir, "repo");
  const { project } = addProject(store, { name: "app", path: repo, baseBranch: "main" });
  const task = createTask(store, { project: "app", prompt: "do it" }, { maxQueueSize: 10 });
  const calls: string[] = [];
  const git: GitControl = {
    async createTaskWorktree({ taskId }) {
      calls.push("git:createTaskWorktree");
      return {
        path: join(repo, ".ccm", "worktrees", `task-${taskId}`),
        branch: `ccm/task-${taskId}`,
        baseCommit: "abc123",
      };
    },
    async copyWorktreeIncludes() {
      calls.push("git:copyWorktreeIncludes");
      return [];
    },
    async runSetup() {},
    async checkpointCommit() {
      return null;
    },
    async commitsSince() {
      return [];
    },
    ...overrides.git,
  };
  const tmux: TmuxControl = {
    socket: undefined,
    async ensureSession() {
      calls.push("tmux:ensureSession");
    },
    async newWindow() {
      calls.push("tmux:newWindow");
      return { windowId: "@7", panePid: 4242 };
    },
    async hasWindow() {
      return true;
    },
    async killWindow() {},
    async sendText() {},
    async listWindows() {
      return [];
    },
    async findWindowByCommand() {
      return undefined;
    },
    ...overrides.tmux,
  };
  const deps: RunnerDeps = {
    store,
    log: pino({ level: "silent" }),
    config,
    paths,
    tmux,
    git,
    adapter: () => ({
      kind: "custom",
      name: "fake",
      async launch() {
        return { command: "true", args: [], env: {}, interactive: false };
      },
      createParser: () => ({ parseLine: () => [] }),
      finish: () => ({ ok: true, text: "" }),
    }),
    hook: { command: process.execPath, args: ["hook.js"] },
    wrapperEntry: "/nonexistent/agent-wrapper.js",
  };
  const planOf = (t: Task): TaskPlan => ({
    project,
    projectConfig: projectConfigSchema.parse({}),
    agent: "fake",
    mode: "headless",
    baseBranch: "main",
    branch: `ccm/task-${t.id}`,
    worktreePath: join(repo, ".ccm", "worktrees", `task-${t.id}`),
    switches: { planning: false, reviewing: false, verifying: false },
    verifyCommand: undefined,
  });
  const newTask = (prompt: string) => createTask(store, { project: "app", prompt }, { maxQueueSize: 10 });
  return { store, deps, task, plan: planOf(task), planOf, newTask, calls };
}

describe("startStage", () => {
  it("makes sure of the tmux session while git creates the worktree, and opens the window after both", async () => {
    const sessionAsked = deferred();
    const session = deferred();
    const { store, deps, task, plan, calls } = setup({
      tmux: {
        ensureSession() {
          calls.push("tmux:ensureSession");
          sessionAsked.resolve();
          return session.promise;
        },
      },
      git: {
        async createTaskWorktree() {
          calls.push("git:createTaskWorktree");
          // Sequential code would ask for the session only after this returns: it would never be asked.
          const timeout = new Promise((_, reject) =>
            setTimeout(() => reject(new Error("the session was not asked for while git worked")), 2000),
          );
          await Promise.race([sessionAsked.promise, timeout]);
          return { path: plan.worktreePath, branch: plan.branch, baseCommit: "abc123" };
        },
      },
    });
    using _ = store;
    const started = startStage(deps, task, plan, "executing");
    await Promise.race([sessionAsked.promise, started]);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).not.toContain("tmux:newWindow"); // the window waits for the session
    session.resolve();
    const run = await started;
    expect(calls).toEqual([
      "tmux:ensureSession",
      "git:createTaskWorktree",
      "git:copyWorktreeIncludes",
      "tmux:newWindow",
    ]);
    expect(run.tmuxWindow).toBe("@7");
    expect(getAgentRun(store, run.id)?.status).toBe("working");
  });

  it("fails with the session's error, opening no window, when tmux cannot make the session", async () => {
    const { store, deps, task, plan, calls } = setup({
      tmux: {
        async ensureSession() {
          throw new CcmError("EXTERNAL_COMMAND", "tmux is not installed or not on PATH (tmux)");
        },
      },
    });
    using _ = store;
    await expect(startStage(deps, task, plan, "executing")).rejects.toThrow(/tmux is not installed/);
    expect(calls).not.toContain("tmux:newWindow");
  });

  it("reports the worktree's error when both fail, leaving no unhandled rejection behind", async () => {
    const { store, deps, task, plan, calls } = setup({
      tmux: {
        async ensureSession() {
          await new Promise((r) => setTimeout(r, 10));
          throw new Error("tmux failed too");
        },
      },
      git: {
        async createTaskWorktree() {
          throw new CcmError("INVALID_ARGUMENT", "base branch main does not exist");
        },
      },
    });
    using _ = store;
    await expect(startStage(deps, task, plan, "executing")).rejects.toThrow(/base branch main/);
    // Give the session's rejection time to surface; vitest fails the run on an unhandled one.
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).not.toContain("tmux:newWindow");
  });

  it("creates one worktree at a time per repository (concurrent `git worktree add` fails), others in parallel", async () => {
    let active = 0;
    let most = 0;
    let failing = -1;
    const { store, deps, planOf, newTask } = setup({
      git: {
        async createTaskWorktree({ repo, taskId }) {
          active++;
          most = Math.max(most, active);
          await new Promise((r) => setTimeout(r, 15));
          active--;
          if (taskId === failing) throw new CcmError("EXTERNAL_COMMAND", "git worktree add failed");
          return {
            path: join(repo, ".ccm", "worktrees", `task-${taskId}`),
            branch: `ccm/task-${taskId}`,
            baseCommit: "abc",
          };
        },
      },
    });
    using _ = store;
    const tasks = [newTask("a"), newTask("b"), newTask("c"), newTask("d")];
    failing = tasks[1]!.id;
    const results = await Promise.allSettled(tasks.map((t) => startStage(deps, t, planOf(t), "executing")));
    expect(most).toBe(1);
    // A failed creation does not hold up the ones queued behind it.
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(getTask(store, tasks[3]!.id).baseCommit).toBe("abc");

    // Different repositories do not wait for each other.
    let overlapping = 0;
    let running = 0;
    const slow = async () => {
      running++;
      overlapping = Math.max(overlapping, running);
      await new Promise((r) => setTimeout(r, 15));
      running--;
    };
    await Promise.all([oneWorktreeAtATime("/repo/one", slow), oneWorktreeAtATime("/repo/two", slow)]);
    expect(overlapping).toBe(2);
  });
});

describe("startStage and the OS sandbox (custom agents)", () => {
  const spec = (runDir: string) =>
    JSON.parse(readFileSync(join(runDir, "spec.json"), "utf8")) as { command: string; args: string[] };

  it("without a sandbox (auto, bwrap missing) runs the agent as is and records why in the task's events", async () => {
    const { store, deps, task, plan } = setup();
    using _ = store;
    deps.sandbox = {
      choose: () => ({ kind: "none", warning: "bwrap is not installed: apt install bubblewrap" }),
    };
    const run = await startStage(deps, task, plan, "executing");
    expect(spec(run.runDir)).toMatchObject({ command: "true", args: [] });
    const events = listEvents(store, { taskId: task.id });
    expect(events).toEqual([
      expect.objectContaining({
        source: "daemon",
        event: "SandboxUnavailable",
        payload: { message: "bwrap is not installed: apt install bubblewrap" },
      }),
    ]);
  });

  it("with bwrap, the agent's command runs under it, its worktree and run folder writable", async () => {
    const { store, deps, task, plan } = setup();
    using _ = store;
    mkdirSync(plan.worktreePath, { recursive: true });
    deps.sandbox = { choose: () => ({ kind: "bwrap", bin: "/usr/bin/bwrap" }) };
    const run = await startStage(deps, task, plan, "executing");
    const { command, args } = spec(run.runDir);
    expect(command).toBe("/usr/bin/bwrap");
    expect(args.slice(-2)).toEqual(["--", "true"]);
    const binds = args.flatMap((a, i) => (a === "--bind" ? [args[i + 1]] : []));
    expect(binds).toEqual(
      expect.arrayContaining([realpathSync(plan.worktreePath), realpathSync(run.runDir)]),
    );
    expect(listEvents(store, { taskId: task.id })).toEqual([]);
  });

  it("fails the start when safety.sandbox names a sandbox that cannot run", async () => {
    const { store, deps, task, plan, calls } = setup();
    using _ = store;
    deps.sandbox = {
      choose: () => {
        throw new CcmError("EXTERNAL_COMMAND", "safety.sandbox is bwrap, but bwrap is not installed");
      },
    };
    await expect(startStage(deps, task, plan, "executing")).rejects.toThrow(/bwrap is not installed/);
    expect(calls).not.toContain("tmux:newWindow");
  });
});
