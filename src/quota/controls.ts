import { priorityRank } from "../core/priority.js";
import { RUNNING_STATES } from "../core/task-state.js";
import { CcmError } from "../errors.js";
import { agentRunsForTask } from "../store/agents.js";
import type { Store } from "../store/db.js";
import { stageRunOfAgent } from "../store/records.js";
import { getJsonSetting, setJsonSetting } from "../store/settings.js";
import {
  getTask,
  type PauseKind,
  patchTask,
  type Task,
  tasksInStates,
  transitionTask,
} from "../store/tasks.js";
import type { Hold, Override } from "./policy.js";

/**
 * Pause and resume, for the quota policy and for people (`ccm quota pause|resume`, `ccm task pause|resume`).
 * A working task is never stopped here: it gets a pause request, and the daemon pauses it at the next safe
 * point (after the running tool call for headless agents, at the turn's end for interactive ones, before
 * its next stage otherwise). Every pause and resume is a recorded transition with its actor and reason.
 */

const HOLD_KEY = "quota.hold";
const AGENT_ACCOUNT_KEY = "quota.agent_account";
const OVERRIDE_KEY = "quota.override";

export const getHold = (store: Store) => getJsonSetting<Hold>(store, HOLD_KEY);
export const setHold = (store: Store, hold: Hold | undefined) => setJsonSetting(store, HOLD_KEY, hold);
export const getOverride = (store: Store) => getJsonSetting<Override>(store, OVERRIDE_KEY);
export const setOverride = (store: Store, value: Override | undefined) =>
  setJsonSetting(store, OVERRIDE_KEY, value);

/** The account the daemon's agents use, as the daemon sees it (the CLI's environment may differ). */
export const getAgentAccount = (store: Store) => getJsonSetting<string>(store, AGENT_ACCOUNT_KEY);
export const setAgentAccount = (store: Store, account: string) =>
  setJsonSetting(store, AGENT_ACCOUNT_KEY, account);

export type PauseOutcome = "paused" | "requested" | "already";

export interface ByWhom {
  reason: string;
  actor: string;
}

/** Pauses a queued task at once; asks a working one to pause at its next safe point. */
export function pauseTask(store: Store, id: number, kind: PauseKind, by: ByWhom): PauseOutcome {
  return store.transaction(() => {
    const task = getTask(store, id);
    if (task.state === "paused") return "already";
    if (task.state === "queued") {
      transitionTask(store, id, "paused", { ...by, expectedFrom: "queued", patch: { pausedBy: kind } });
      return "paused";
    }
    if ((RUNNING_STATES as readonly string[]).includes(task.state)) {
      if (task.pauseRequest) return "already";
      patchTask(store, id, { pauseRequest: { ...by, kind, at: store.clock() } });
      return "requested";
    }
    throw new CcmError(
      "INVALID_TRANSITION",
      `task #${id} is ${task.state}: only queued or working tasks can pause`,
      {
        hint: "See `ccm task show` for its state.",
      },
    );
  });
}

/** The session a paused task's stage continues: its last run in that stage, if the stage was left unfinished. */
export function sessionToResume(store: Store, task: Task): string | undefined {
  const stage = task.stage;
  if (!stage || stage === "verifying") return undefined;
  const run = agentRunsForTask(store, task.id)
    .filter((r) => r.stage === stage)
    .at(-1);
  if (!run?.sessionId) return undefined;
  const stageRun = stageRunOfAgent(store, run.id);
  return stageRun?.status === "done" ? undefined : run.sessionId;
}

export type ResumeOutcome = "resumed" | "request-withdrawn" | "not-paused";

/** A paused task returns to the queue (its stage and session kept); a pending pause request is withdrawn. */
export function resumeTask(store: Store, id: number, by: ByWhom): ResumeOutcome {
  return store.transaction(() => {
    const task = getTask(store, id);
    if (task.state === "paused") {
      const session = sessionToResume(store, task);
      transitionTask(store, id, "queued", {
        ...by,
        expectedFrom: "paused",
        patch: { resumeSessionId: session ?? null },
      });
      return "resumed";
    }
    if (task.pauseRequest) {
      patchTask(store, id, { pauseRequest: null });
      return "request-withdrawn";
    }
    return "not-paused";
  });
}

/** Asks every working task (that `include` accepts) to pause; returns the ids asked. */
export function requestPauseAll(
  store: Store,
  kind: PauseKind,
  by: ByWhom,
  include: (t: Task) => boolean = () => true,
): number[] {
  return store.transaction(() => {
    const asked: number[] = [];
    for (const task of tasksInStates(store, RUNNING_STATES)) {
      if (task.pauseRequest || !include(task)) continue;
      patchTask(store, task.id, { pauseRequest: { ...by, kind, at: store.clock() } });
      asked.push(task.id);
    }
    return asked;
  });
}

/** Quota-paused tasks in the order they resume: priority, then age. */
export function quotaPausedTasks(store: Store): Task[] {
  return tasksInStates(store, ["paused"])
    .filter((t) => t.pausedBy === "quota")
    .sort(
      (a, b) =>
        priorityRank(a.priority) - priorityRank(b.priority) || a.createdAt - b.createdAt || a.id - b.id,
    );
}

/** Pause requests not yet carried out (the task still works). */
export function pendingPauses(store: Store): Task[] {
  return tasksInStates(store, RUNNING_STATES).filter((t) => t.pauseRequest !== null);
}
