import type { Logger } from "pino";
import type { Store } from "../store/db.js";
import { countByState, failOrphanedTasks, nextRunnable, type Task } from "../store/tasks.js";

/** Starts a task's first stage. Agent dispatch arrives with the agent runtime; until then there is none. */
export type Dispatcher = (task: Task) => Promise<void>;

export interface SchedulerOptions {
  store: Store;
  log: Logger;
  maxConcurrent: () => number;
  dispatch?: Dispatcher;
  intervalMs?: number;
}

export interface Scheduler {
  /** One pass: fail tasks that can never start, then pick the next runnable ones within the free slots. */
  tick(): Promise<Task[]>;
  start(): void;
  stop(): Promise<void>;
  /** Ask for a pass soon (after a task was created or finished). */
  wake(): void;
}

const RUNNING = ["planning", "executing", "reviewing", "verifying"] as const;

export function runningCount(store: Store): number {
  const counts = countByState(store);
  return RUNNING.reduce((n, s) => n + (counts[s] ?? 0), 0);
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, log, dispatch, intervalMs = 1000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;

  const tick = async (): Promise<Task[]> => {
    for (const task of failOrphanedTasks(store, "daemon")) {
      log.info({ taskId: task.id }, "task failed: a dependency was cancelled");
    }
    const slots = options.maxConcurrent() - runningCount(store);
    const picked = nextRunnable(store, slots);
    if (!dispatch) return picked;
    for (const task of picked) {
      try {
        await dispatch(task);
      } catch (error) {
        log.error({ taskId: task.id, err: error }, "dispatch failed");
      }
    }
    return picked;
  };

  let busy = false;
  let again = false;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(pass, delayMs);
  };
  // One pass at a time: a wake-up during a pass runs another pass right after it.
  const pass = () => {
    timer = undefined;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    running = tick()
      .catch((error: unknown) => log.error({ err: error }, "scheduler pass failed"))
      .finally(() => {
        busy = false;
        const soon = again;
        again = false;
        schedule(soon ? 0 : intervalMs);
      });
  };

  return {
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    wake() {
      if (busy) again = true;
      else schedule(0);
    },
  };
}
