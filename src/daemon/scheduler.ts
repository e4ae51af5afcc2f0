import type { Logger } from "pino";
import { RUNNING_STATES } from "../core/task-state.js";
import type { Store } from "../store/db.js";
import { countByState, failOrphanedTasks, nextRunnable, type Task } from "../store/tasks.js";

/** Starts a task's first stage (the runner's dispatch). */
export type Dispatcher = (task: Task) => Promise<void>;

export interface SchedulerOptions {
  store: Store;
  log: Logger;
  /** How many tasks may work at once (agents.max_concurrent, resources.max_agents, tmux windows). */
  maxConcurrent: () => number;
  dispatch?: Dispatcher;
  /** Whether dispatching is held (quota critical or `ccm quota pause`); queued tasks then stay queued. */
  held?: () => boolean;
}

export interface Scheduler {
  /** One pass: fail tasks that can never start, then dispatch the next runnable ones within the free slots. */
  tick(): Promise<Task[]>;
}

export function runningCount(store: Store): number {
  const counts = countByState(store);
  return RUNNING_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, log, dispatch } = options;
  return {
    async tick() {
      for (const task of failOrphanedTasks(store, "daemon")) {
        log.info({ taskId: task.id }, "task failed: a dependency was cancelled");
      }
      if (options.held?.()) return [];
      const picked = nextRunnable(store, options.maxConcurrent() - runningCount(store));
      if (!dispatch) return picked;
      for (const task of picked) {
        try {
          await dispatch(task);
        } catch (error) {
          log.error({ taskId: task.id, err: error }, "dispatch failed");
        }
      }
      return picked;
    },
  };
}
