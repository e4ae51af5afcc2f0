import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LaunchSpec, StageRequest } from "../agents/adapter.js";
import { executingPrompt, type PromptInput, planningPrompt, reviewingPrompt } from "../core/prompts.js";
import type { Stage } from "../core/task-state.js";
import { AUTOMATION_TIMEOUT_ENV } from "../hooks/script-runner.js";
import { buildGuardFile, GUARD_FILE_ENV } from "../safety/guard-file.js";
import { type AgentRun, insertAgentRun, updateAgentRun } from "../store/agents.js";
import { latestReport, startStageRun } from "../store/records.js";
import { patchTask, type Task } from "../store/tasks.js";
import type { RunnerDeps } from "./runner-deps.js";
import { confineLaunch } from "./stage-sandbox.js";
import type { TaskPlan } from "./task-plan.js";

/** What a resumed session is told: the conversation so far is already in it. */
export const RESUME_PROMPT =
  "ccm paused this session and has now resumed it. Continue the task where you left off; when it is done, " +
  "say so as before.";

/** Files of one agent run, in $CCM_HOME/runs/task-<id>/agent-<agentId>/. */
export function runFiles(runDir: string) {
  return {
    spec: join(runDir, "spec.json"),
    log: join(runDir, "stream.log"),
    exit: join(runDir, "exit.json"),
    input: join(runDir, "initial-input.txt"),
    inputSent: join(runDir, "initial-input.sent"),
    /** Why the daemon ended the run (idle too long), read when the stage is finished. */
    stopReason: join(runDir, "stop-reason.txt"),
    /** Interactive runs: Enter was pressed again because the prompt was not submitted. */
    enterRetried: join(runDir, "initial-input.enter-retried"),
    /** Interactive runs: when /exit was typed. */
    exitSent: join(runDir, "exit.sent"),
    setupLog: join(runDir, "setup.log"),
  };
}

/**
 * `git worktree add` is not safe to run twice at once in one repository: each reads the other worktrees'
 * admin folders (.git/worktrees/<name>/) and fails on one being written ("fatal: failed to read
 * .git/worktrees/task-4/commondir"), about 1 start in 20 when 10 tasks of a project start together. The
 * daemon therefore creates one worktree at a time per repository (copying includes and setup run outside).
 */
const worktreeQueues = new Map<string, Promise<void>>();

export function oneWorktreeAtATime<T>(repo: string, work: () => Promise<T>): Promise<T> {
  const result = (worktreeQueues.get(repo) ?? Promise.resolve()).then(work);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  worktreeQueues.set(repo, tail);
  void tail.then(() => {
    if (worktreeQueues.get(repo) === tail) worktreeQueues.delete(repo);
  });
  return result;
}

/** Creates the worktree the first time a task starts (idempotent: a retried start finds it in place). */
export async function ensureWorktree(
  deps: RunnerDeps,
  task: Task,
  plan: TaskPlan,
  runDir: string,
): Promise<Task> {
  if (task.baseCommit && existsSync(plan.worktreePath)) return task;
  const created = await oneWorktreeAtATime(plan.project.path, () =>
    deps.git.createTaskWorktree({
      repo: plan.project.path,
      taskId: task.id,
      baseBranch: plan.baseBranch,
      worktreesDir: join(plan.project.path, ".ccm", "worktrees"),
    }),
  );
  await deps.git.copyWorktreeIncludes(plan.project.path, created.path);
  if (plan.projectConfig.setup) {
    await deps.git.runSetup(created.path, plan.projectConfig.setup, {
      timeoutMs: 30 * 60_000,
      logFile: runFiles(runDir).setupLog,
    });
  }
  patchTask(deps.store, task.id, {
    branch: created.branch,
    worktreePath: created.path,
    baseBranch: plan.baseBranch,
    baseCommit: created.baseCommit,
  });
  return { ...task, branch: created.branch, worktreePath: created.path, baseCommit: created.baseCommit };
}

function promptFor(deps: RunnerDeps, task: Task, plan: TaskPlan, stage: Exclude<Stage, "verifying">): string {
  const input: PromptInput = {
    taskId: task.id,
    title: task.title,
    prompt: task.prompt,
    branch: plan.branch,
    baseBranch: plan.baseBranch,
  };
  const planReport = latestReport(deps.store, task.id, "plan");
  if (planReport) input.plan = planReport.body;
  if (stage === "planning") return planningPrompt(input);
  if (stage === "reviewing") return reviewingPrompt(input);
  return executingPrompt(input);
}

/**
 * Starts the task's current stage in a new tmux window: records the agent run and stage run, builds the
 * command with the adapter (or the verify command), and launches it through the wrapper, which tees the
 * output to a log the daemon tails and records the exit, so the run survives a daemon restart.
 */
export async function startStage(
  deps: RunnerDeps,
  task: Task,
  plan: TaskPlan,
  stage: Stage,
): Promise<AgentRun> {
  const { store, config } = deps;
  const isVerify = stage === "verifying";
  const run = store.transaction(() => {
    const r = insertAgentRun(store, {
      taskId: task.id,
      stage,
      kind: isVerify ? "verify" : plan.agent,
      mode: isVerify ? "command" : plan.mode,
      runDir: "",
    });
    startStageRun(store, task.id, stage, r.id);
    const runDir = join(deps.paths.home, "runs", `task-${task.id}`, `agent-${r.id}`);
    updateAgentRun(store, r.id, { runDir });
    return { ...r, runDir };
  });
  mkdirSync(run.runDir, { recursive: true, mode: 0o700 });
  const files = runFiles(run.runDir);
  // The tmux session does not depend on the worktree: make sure of it while git works (two tmux calls off
  // the path from queued to a started window). Awaited before the window is opened, so its error wins then.
  const session = config.agents.tmux_session_name;
  const sessionReady = deps.tmux.ensureSession(session, { cwd: deps.paths.home });
  sessionReady.catch(() => {}); // settled below; an earlier failure must not leave it unhandled
  const ready = await ensureWorktree(deps, task, plan, run.runDir);
  const cwd = ready.worktreePath ?? plan.worktreePath;
  const env: Record<string, string> = {
    ...deps.agentEnv,
    CCM_HOME: deps.paths.home,
    CCM_DB: config.database.sqlite_path,
    CCM_TASK_ID: String(task.id),
    CCM_AGENT_ID: String(run.id),
    CCM_PROJECT: plan.project.name,
    // Project automations are read from the main checkout, never from the worktree the agent can edit.
    CCM_PROJECT_DIR: plan.project.path,
    CCM_WORKTREE: cwd,
    // Git backstops (push refused, every ref the agent moves recorded) and the baseline of the post-run checks.
    ...(deps.safety ? await deps.safety.prepareStage(ready, run.runDir, cwd) : {}),
    // For automation scripts: their state (git-checkpoint's counter) and their default time limit, which
    // the hook cannot read from config.yaml itself (no config loading on the hook's hot path).
    CCM_RUN_DIR: run.runDir,
    // Saves project-context a `ccm task show` (a CLI start, ~0.5 s on a busy machine) at every SessionStart.
    CCM_TASK_TITLE: task.title,
    [AUTOMATION_TIMEOUT_ENV]: String(config.automations.timeout_seconds),
  };
  // The built-in PreToolUse guard reads its policy from this file (hooks/guard-runner.ts); without the
  // variable the hook does not guard, with a broken file it denies every tool call.
  const guard = config.safety.guard;
  const guardFile = join(run.runDir, "guard.json");
  const home = process.env.HOME ?? homedir();
  const guardContent = buildGuardFile({
    worktree: cwd,
    home,
    branch: ready.branch ?? plan.branch,
    ccmHome: deps.paths.home,
    projectDir: plan.project.path,
    enabled: guard.enabled,
    allowWrite: guard.allow_write,
    allowRead: guard.allow_read,
    denyRead: guard.deny_read,
    ...(process.env.TMPDIR === undefined ? {} : { tmpdir: process.env.TMPDIR }),
  });
  writeFileSync(guardFile, `${JSON.stringify(guardContent, null, 2)}\n`, { mode: 0o600 });
  env[GUARD_FILE_ENV] = guardFile;

  let launch: LaunchSpec;
  if (isVerify) {
    launch = { command: "sh", args: ["-c", plan.verifyCommand ?? "true"], env: {}, interactive: false };
  } else {
    const adapter = deps.adapter(plan.agent);
    // A task paused mid-stage (quota, a user, a resource limit) continues its own session.
    const resumed = task.resumeSessionId ?? undefined;
    const followUp = stage === "executing" && task.pendingPrompt ? task.pendingPrompt : undefined;
    const request: StageRequest = {
      taskId: task.id,
      agentId: run.id,
      stage,
      prompt: followUp ?? (resumed ? RESUME_PROMPT : promptFor(deps, task, plan, stage)),
      ...(resumed
        ? { resumeSessionId: resumed }
        : followUp && task.sessionId
          ? { resumeSessionId: task.sessionId }
          : {}),
      cwd,
      runDir: run.runDir,
      mode: plan.mode,
      readOnly: stage === "planning" || stage === "reviewing",
      hook: deps.hook,
      env,
      ...(plan.projectConfig.permission_mode ? { permissionMode: plan.projectConfig.permission_mode } : {}),
    };
    launch = await adapter.launch(request);
    if (resumed) patchTask(store, task.id, { resumeSessionId: null });
    // Claude Code and Gemini CLI call our hook (and its guard) before every tool; a custom agent does not.
    if (!(adapter.callsHooks ?? adapter.kind !== "custom") && deps.sandbox !== undefined) {
      launch = confineLaunch({ ...deps, sandbox: deps.sandbox }, launch, {
        taskId: task.id,
        agentId: run.id,
        worktree: cwd,
        runDir: run.runDir,
      });
    }
  }
  if (launch.initialInput !== undefined) writeFileSync(files.input, launch.initialInput, { mode: 0o600 });
  writeFileSync(
    files.spec,
    JSON.stringify({
      command: launch.command,
      args: launch.args,
      cwd,
      env: { ...env, ...launch.env },
      ...(launch.stdin === undefined ? {} : { stdinText: launch.stdin }),
      interactive: launch.interactive,
      logFile: files.log,
      exitFile: files.exit,
    }),
    { mode: 0o600 },
  );

  await sessionReady;
  const windowName = `${plan.project.name}:${task.id}`;
  const window = await deps.tmux.newWindow({
    session,
    name: windowName,
    cwd,
    env: { ...env, ...launch.env },
    argv: [process.execPath, deps.wrapperEntry, files.spec],
  });
  updateAgentRun(store, run.id, {
    status: "working",
    tmuxSocket: deps.tmux.socket ?? null,
    tmuxSession: session,
    tmuxWindow: window.windowId,
    windowName,
    pid: window.panePid,
  });
  deps.log.info({ taskId: task.id, agentId: run.id, stage, window: window.windowId }, "stage started");
  return { ...run, tmuxWindow: window.windowId, windowName, status: "working" };
}
