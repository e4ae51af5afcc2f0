import type { Logger } from "pino";
import type { Store } from "../store/db.js";

/**
 * Runs `pass` repeatedly, one at a time, every `intervalMs`, and sooner when the database changes: another
 * process (the CLI, a hook) committed something. PRAGMA data_version changes exactly then and costs
 * microseconds, so a queued task is picked up within one `watchMs` instead of a whole interval.
 */
export function createLoop(options: {
  name: string;
  store: Store;
  log: Logger;
  pass: () => Promise<void>;
  intervalMs: number;
  watchMs?: number;
}): { start(): void; stop(): Promise<void>; kick(): void } {
  const { store, log, pass, intervalMs, watchMs = 50 } = options;
  let stopped = true;
  let running: Promise<void> | undefined;
  let again = false;
  let lastRun = 0;
  let version = -1;
  let watcher: NodeJS.Timeout | undefined;

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    lastRun = Date.now();
    running = pass()
      .catch((error: unknown) => log.error({ err: error, loop: options.name }, "loop pass failed"))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          setImmediate(run);
        }
      });
  };

  const watch = () => {
    if (stopped) return;
    let changed = false;
    try {
      const v = (store.db.prepare("PRAGMA data_version").get() as { data_version: number }).data_version;
      changed = v !== version;
      version = v;
    } catch (error) {
      log.warn({ err: error }, "cannot read data_version");
    }
    if (changed || Date.now() - lastRun >= intervalMs) run();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      watcher = setInterval(watch, watchMs);
      run();
    },
    async stop() {
      stopped = true;
      if (watcher) clearInterval(watcher);
      await running;
    },
    kick: run,
  };
}
