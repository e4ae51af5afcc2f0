import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { AgentResult, StreamParser } from "../agents/adapter.js";
import { firstStage } from "../core/stages.js";
import { RUNNING_STATES, type Stage } from "../core/task-state.js";
import { isCcmError } from "../errors.js";
import { readNewLines } from "../runtime/log-tail.js";
import { type AgentRun, activeAgentRuns, getAgentRun, updateAgentRun } from "../store/agents.js";
import { insertEvents, lastHookEvent, type NewEvent } from "../store/events.js";
import { finishStageRun, stageRunOfAgent } from "../store/records.js";
import { getTask, patchTask, type Task, tasksInStates, transitionTask } from "../store/tasks.js";
import { interactiveAction } from "./interactive.js";
import type { RunnerDeps } from "./runner-deps.js";
import { finishStage, raiseLimitAlert, readExit } from "./stage-finish.js";
import { runFiles, startStage } from "./stage-start.js";
import { planTask } from "./task-plan.js";

export interface Runner {
  /** Claims a queued task for its first stage (the scheduler's dispatcher). The next pass starts it. */
  dispatch(task: Task): Promise<void>;
  /** One pass over working tasks: start missing stages, follow running ones, finish exited ones. */
  reconcile(): Promise<void>;
  /** Waits for operations in flight (shutdown). Agents keep running in tmux. */
  drain(): Promise<void>;
  /** Whether agents were working at the last pass (the daemon then passes more often). */
  busy(): boolean;
}

const LIVENESS_EVERY_MS = 2000;

/** The time stored in a marker file, or undefined when there is none. */
function readStamp(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, "utf8"));
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function notificationType(event: { payload: Record<string, unknown> } | undefined): string | undefined {
  const type = event?.payload.notification_type;
  return typeof type === "string" ? type : undefined;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { store, log } = deps;
  const inFlight = new Map<number, Promise<void>>();
  const lastResult = new Map<number, AgentResult>();
  let lastLiveness = 0;
  let working = false;
  /** Limit checks run beside the task's operation in flight, so a slow walk never holds up finishing. */
  const measuring = new Set<number>();
  const lastMeasured = new Map<number, number>();

  const failTask = (task: Task, stage: Stage | "queued", error: unknown) => {
    const message = isCcmError(error) ? error.message : ((error as Error)?.message ?? String(error));
    const hint = isCcmError(error) && error.hint ? ` (${error.hint})` : "";
    log.error({ taskId: task.id, err: error }, "task failed");
    try {
      transitionTask(store, task.id, "failed", {
        reason: `${stage === "queued" ? "could not start" : `${stage} failed`}: ${message}`,
        actor: "daemon",
        expectedFrom: task.state,
        patch: { failureReason: `${message}${hint}` },
      });
    } catch (transitionError) {
      log.warn(
        { taskId: task.id, err: transitionError },
        "could not record the failure (state changed meanwhile)",
      );
    }
  };

  const track = (taskId: number, work: () => Promise<void>) => {
    if (inFlight.has(taskId)) return;
    const promise = work().finally(() => inFlight.delete(taskId));
    inFlight.set(taskId, promise);
  };

  const parsers = new Map<number, StreamParser>();

  /**
   * The run's parser. Parsers keep per-run memory (tool names by id, text so far), so a run re-adopted after
   * a daemon restart gets a new parser fed the part of the log already stored, without storing it again.
   */
  const parserFor = (run: AgentRun): StreamParser | undefined => {
    if (run.kind === "verify") return undefined;
    let parser = parsers.get(run.id);
    if (parser) return parser;
    parser = deps.adapter(run.kind).createParser();
    let offset = 0;
    while (offset < run.logOffset) {
      const chunk = readNewLines(runFiles(run.runDir).log, offset);
      if (chunk.offset === offset) break;
      for (const line of chunk.lines) {
        for (const update of parser.parseLine(line)) {
          if (update.kind === "result") lastResult.set(run.id, update.result);
        }
      }
      offset = chunk.offset;
    }
    parsers.set(run.id, parser);
    return parser;
  };

  /** Reads what the agent printed since last time; events and offset are stored together (exactly once). */
  const follow = (run: AgentRun) => {
    if (run.mode === "interactive") return;
    const files = runFiles(run.runDir);
    const parser = parserFor(run);
    const chunk = readNewLines(files.log, run.logOffset);
    if (chunk.offset === run.logOffset) return;
    const events: NewEvent[] = [];
    let status: AgentRun["status"] | undefined;
    let currentTool: string | null | undefined;
    let sessionId: string | undefined;
    for (const line of chunk.lines) {
      if (!parser) {
        events.push({
          taskId: run.taskId,
          agentId: run.id,
          source: "stream",
          event: "output",
          payload: line,
        });
        continue;
      }
      for (const update of parser.parseLine(line)) {
        if (update.kind === "session") sessionId = update.sessionId;
        else if (update.kind === "status") {
          status = update.status;
          if (update.currentTool !== undefined) currentTool = update.currentTool;
        } else if (update.kind === "result") lastResult.set(run.id, update.result);
        else
          events.push({
            taskId: run.taskId,
            agentId: run.id,
            source: "stream",
            event: update.event,
            tool: update.tool ?? null,
            sessionId: sessionId ?? run.sessionId,
            payload: update.payload,
          });
      }
    }
    const result = lastResult.get(run.id);
    store.transaction(() => {
      insertEvents(store, events);
      updateAgentRun(store, run.id, {
        logOffset: chunk.offset,
        lastEventAt: store.clock(),
        ...(status ? { status } : {}),
        ...(currentTool !== undefined ? { currentTool } : {}),
        ...(sessionId ? { sessionId } : {}),
        ...(result ? { result } : {}),
      });
      if (sessionId) patchTask(store, run.taskId, { sessionId });
    });
  };

  /**
   * Interactive runs: type the prompt once the agent's session has started, press Enter again if it was
   * not submitted, end the session with /exit once its turn is over (see interactive.ts). Typing runs as
   * the task's operation in flight, so a pass never waits on it and never types twice at once. An agent
   * left waiting for input (a permission prompt) longer than agents.max_idle_time is ended, and its stage
   * fails with that reason.
   */
  const driveInteractive = (task: Task, run: AgentRun) => {
    if (run.mode !== "interactive" || !run.tmuxWindow) return;
    const window = run.tmuxWindow;
    const files = runFiles(run.runDir);
    const idleMs = store.clock() - (run.lastEventAt ?? run.startedAt);
    if (
      run.status === "waiting" &&
      idleMs > deps.config.agents.max_idle_time * 1000 &&
      !existsSync(files.stopReason)
    ) {
      writeFileSync(
        files.stopReason,
        `the agent waited for input for more than agents.max_idle_time (${deps.config.agents.max_idle_time}s)`,
      );
      track(task.id, () => deps.tmux.killWindow(window));
      return;
    }
    const type = (work: () => Promise<void>) =>
      track(task.id, () =>
        work().catch((error: unknown) =>
          log.error(
            { taskId: task.id, agentId: run.id, err: error },
            "typing into the agent's window failed",
          ),
        ),
      );
    const inputSentAt = readStamp(files.inputSent);
    const action = interactiveAction({
      now: store.clock(),
      startedAt: run.startedAt,
      status: run.status,
      sessionId: run.sessionId,
      hasInput: existsSync(files.input),
      inputSentAt,
      enterRetried: existsSync(files.enterRetried),
      submitted: inputSentAt !== undefined && lastHookEvent(store, run, ["UserPromptSubmit"]) !== undefined,
      lastNotification:
        run.status === "waiting" ? notificationType(lastHookEvent(store, run, ["Notification"])) : undefined,
      exitSentAt: readStamp(files.exitSent),
    });
    switch (action) {
      case "none":
        return;
      case "report-not-started":
        updateAgentRun(store, run.id, { status: "waiting" });
        log.warn(
          { taskId: task.id, agentId: run.id, window },
          "the interactive agent has not started its session: it may be showing a dialog (folder trust, permissions); see ccm attach",
        );
        return;
      case "type-prompt":
        type(async () => {
          // Working before the first key: a turn quick enough to end before this returns stays ended.
          updateAgentRun(store, run.id, { status: "working" });
          await deps.tmux.sendText(window, readFileSync(files.input, "utf8"));
          writeFileSync(files.inputSent, String(store.clock()));
        });
        return;
      case "press-enter":
        type(async () => {
          writeFileSync(files.enterRetried, String(store.clock()));
          log.warn(
            { taskId: task.id, agentId: run.id },
            "the prompt was not submitted: pressing Enter again",
          );
          await deps.tmux.sendText(window, "");
        });
        return;
      case "exit":
        type(async () => {
          writeFileSync(files.exitSent, String(store.clock()));
          await deps.tmux.sendText(window, "/exit");
        });
        return;
      default:
        return action satisfies never;
    }
  };

  const finish = (task: Task, run: AgentRun, reason?: string) => {
    track(task.id, async () => {
      const stopFile = runFiles(run.runDir).stopReason;
      // The daemon's own reason for ending the run (idle too long) explains a vanished window best.
      const stopReason = (existsSync(stopFile) ? readFileSync(stopFile, "utf8") : undefined) ?? reason;
      const exit = readExit(run.runDir) ?? { code: null, signal: "SIGKILL" };
      follow(getAgentRun(store, run.id) ?? run);
      let plan: ReturnType<typeof planTask> | undefined;
      try {
        plan = planTask(store, deps.config, task);
      } catch {
        plan = undefined;
      }
      const current = getTask(store, task.id);
      const result =
        lastResult.get(run.id) ?? getAgentRun(store, run.id)?.result ?? interactiveResult(run) ?? undefined;
      await finishStage(deps, current, plan, getAgentRun(store, run.id) ?? run, exit, result, stopReason);
      lastResult.delete(run.id);
      parsers.delete(run.id);
    });
  };

  /** A TUI run prints no result line: its outcome is the last Stop (or StopFailure) hook it fired. */
  const interactiveResult = (run: AgentRun): AgentResult | undefined => {
    if (run.mode !== "interactive") return undefined;
    const last = lastHookEvent(store, run, ["Stop", "StopFailure"]);
    if (!last) return undefined;
    const text = String(last.payload.last_assistant_message ?? "");
    const sessionId = typeof last.payload.session_id === "string" ? last.payload.session_id : undefined;
    return last.event === "Stop"
      ? { ok: true, text, ...(sessionId ? { sessionId } : {}) }
      : {
          ok: false,
          text,
          error: `the turn ended with an API error: ${String(last.payload.error ?? "unknown")}`,
        };
  };

  /** The task left its working state (cancelled, paused, failed by a user): stop its agent, keep its work. */
  const stopRun = (task: Task, run: AgentRun) => {
    track(task.id, async () => {
      if (run.tmuxWindow && (await deps.tmux.hasWindow(run.tmuxWindow)))
        await deps.tmux.killWindow(run.tmuxWindow);
      let checkpoint: string | null = null;
      if (task.worktreePath && existsSync(task.worktreePath)) {
        checkpoint = await deps.git
          .checkpointCommit(task.worktreePath, `ccm: checkpoint when task #${task.id} was ${task.state}`)
          .catch(() => null);
        if (task.state === "cancelled")
          await deps.safety?.snapshotIfWork(task, "cancelled with work").catch((error: unknown) => {
            log.error({ taskId: task.id, err: error }, "snapshot failed");
          });
      }
      store.transaction(() => {
        updateAgentRun(store, run.id, { status: "exited", endedAt: store.clock(), currentTool: null });
        const stageRun = stageRunOfAgent(store, run.id);
        if (stageRun) finishStageRun(store, task.id, run.stage, stageRun.attempt, "failed");
      });
      parsers.delete(run.id);
      lastResult.delete(run.id);
      log.info({ taskId: task.id, agentId: run.id, state: task.state, checkpoint }, "agent stopped");
    });
  };

  /** Finds the window a previous daemon opened for `run` but did not record (by its spec file). */
  const adoptUnrecorded = async (run: AgentRun): Promise<AgentRun | undefined> => {
    if (run.runDir === "") return undefined;
    const session = deps.config.agents.tmux_session_name;
    const found = await deps.tmux
      .findWindowByCommand(session, runFiles(run.runDir).spec)
      .catch(() => undefined);
    if (!found) return undefined;
    const patch = {
      status: "working" as const,
      tmuxSocket: deps.tmux.socket ?? null,
      tmuxSession: session,
      tmuxWindow: found.windowId,
      pid: found.panePid,
    };
    updateAgentRun(store, run.id, patch);
    log.info({ taskId: run.taskId, agentId: run.id, window: found.windowId }, "adopted an unrecorded window");
    return { ...run, ...patch };
  };

  /**
   * Resource limits while the agent works, at most every safety.limits.check_every_seconds per task: a
   * breach pauses the task (the next pass stops the agent and checkpoints its work, stopRun) and raises an
   * alert. The periodic snapshot rides on the same pass.
   */
  const watchLimits = (task: Task, run: AgentRun) => {
    const safety = deps.safety;
    if (!safety || measuring.has(task.id)) return;
    const now = store.clock();
    if (now - (lastMeasured.get(task.id) ?? 0) < safety.checkEveryMs) return;
    lastMeasured.set(task.id, now);
    measuring.add(task.id);
    void (async () => {
      try {
        await safety.periodicSnapshot(task);
        const breach = await safety.measure(task);
        if (!breach) return;
        store.transaction(() => {
          transitionTask(store, task.id, "paused", {
            reason: `limit exceeded: ${breach.message}`,
            actor: "daemon",
            expectedFrom: task.state,
          });
          raiseLimitAlert(store, task.id, run.id, breach, "paused");
        });
        log.warn(
          { taskId: task.id, limit: breach.limit, value: breach.value },
          "limit exceeded: task paused",
        );
      } catch (error) {
        // A state change meanwhile (the stage ended) makes the transition fail: the stage end checks again.
        log.debug({ taskId: task.id, err: error }, "limit check skipped");
      } finally {
        measuring.delete(task.id);
      }
    })();
  };

  /** A paused task's next agent stage does not start: the pause takes effect here (no agent is running). */
  const pauseBeforeStart = (task: Task) => {
    const request = task.pauseRequest!;
    try {
      transitionTask(store, task.id, "paused", {
        reason: `${request.reason} (before ${task.state} started)`,
        actor: request.actor,
        expectedFrom: task.state,
        patch: { pausedBy: request.kind },
      });
      log.info({ taskId: task.id, stage: task.state, reason: request.reason }, "task paused");
    } catch (error) {
      log.warn({ taskId: task.id, err: error }, "could not pause the task (state changed meanwhile)");
    }
  };

  const markLost = (run: AgentRun, why: string) => {
    store.transaction(() => {
      updateAgentRun(store, run.id, { status: "lost", endedAt: store.clock() });
      const stageRun = stageRunOfAgent(store, run.id);
      if (stageRun) finishStageRun(store, run.taskId, run.stage, stageRun.attempt, "failed");
    });
    log.warn({ taskId: run.taskId, agentId: run.id, why }, "agent run lost");
  };

  return {
    async dispatch(task) {
      try {
        const plan = planTask(store, deps.config, task);
        // A follow-up goes straight back to the agent; a resumed task returns to the stage it left.
        const stage = task.pendingPrompt ? "executing" : (task.stage ?? firstStage(plan.switches));
        transitionTask(store, task.id, stage, {
          reason: `started with ${plan.agent} (${plan.mode})`,
          actor: "daemon",
          expectedFrom: "queued",
          patch: { agent: plan.agent, mode: plan.mode, branch: plan.branch, baseBranch: plan.baseBranch },
        });
      } catch (error) {
        failTask(task, "queued", error);
      }
    },

    async reconcile() {
      const now = store.clock();
      const checkLiveness = now - lastLiveness >= (deps.livenessEveryMs ?? LIVENESS_EVERY_MS);
      if (checkLiveness) lastLiveness = now;
      const active = new Map<number, AgentRun>();
      for (let run of activeAgentRuns(store)) {
        // A run with no window recorded: the daemon died while starting it. If the window was opened
        // before it died, adopt it (starting the stage again would put two agents in one worktree);
        // otherwise the run is lost and the stage restarts.
        let finishedUnseen = false;
        if (!run.tmuxWindow && !inFlight.has(run.taskId)) {
          const adopted = await adoptUnrecorded(run);
          if (adopted) run = adopted;
          // Or its agent already ran to the end: its exit is there to be finished like any other.
          else finishedUnseen = run.runDir !== "" && readExit(run.runDir) !== undefined;
        }
        const neverStarted = !run.tmuxWindow && !inFlight.has(run.taskId) && !finishedUnseen;
        const superseded = active.get(run.taskId);
        if (superseded) markLost(superseded, "superseded by a newer run of the same task");
        if (neverStarted) markLost(run, "the daemon stopped while starting it");
        else active.set(run.taskId, run);
      }

      const tasks = tasksInStates(store, RUNNING_STATES);
      working = tasks.length > 0 || inFlight.size > 0;
      for (const task of tasks) {
        if (inFlight.has(task.id)) continue;
        const run = active.get(task.id);
        active.delete(task.id);
        if (!run || run.stage !== task.state) {
          if (run) stopRun(task, run);
          else if (task.pauseRequest && task.state !== "verifying") pauseBeforeStart(task);
          else
            track(task.id, async () => {
              try {
                const plan = planTask(store, deps.config, task);
                await startStage(deps, task, plan, task.state as Stage);
              } catch (error) {
                failTask(task, task.state as Stage, error);
              }
            });
          continue;
        }
        try {
          follow(run);
          if (readExit(run.runDir)) {
            finish(task, run);
            continue;
          }
          driveInteractive(task, getAgentRun(store, run.id) ?? run);
          watchLimits(task, run);
          if (checkLiveness && run.tmuxWindow && !(await deps.tmux.hasWindow(run.tmuxWindow))) {
            // Re-check: the wrapper may have written its exit file just before its window closed.
            if (!readExit(run.runDir)) {
              updateAgentRun(store, run.id, { status: "lost" });
              finish(task, run, "the agent's tmux window disappeared without an exit (tmux server killed?)");
            }
          }
        } catch (error) {
          log.error({ taskId: task.id, agentId: run.id, err: error }, "supervising the agent failed");
        }
      }
      // Runs left over belong to tasks no longer working: stop them.
      for (const run of active.values()) {
        if (inFlight.has(run.taskId)) continue;
        stopRun(getTask(store, run.taskId), run);
      }
    },

    async drain() {
      await Promise.allSettled([...inFlight.values()]);
      while (measuring.size > 0) await new Promise((r) => setTimeout(r, 20));
    },

    busy: () => working,
  };
}
