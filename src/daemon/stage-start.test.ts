import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import { projectConfigSchema } from "../config/project-config.js";
import { CcmError } from "../errors.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, type Task } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import type { GitControl, RunnerDeps, TmuxControl } from "./runner-deps.js";
import { oneWorktreeAtATime, startStage } from "./stage-start.js";
import type { TaskPlan } from "./task-plan.js";

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
