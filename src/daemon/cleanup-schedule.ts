import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/load.js";
import type { CcmPaths } from "../config/paths.js";
import { CLEANUP_LAST_RUN, runCleanup } from "../services/cleanup.js";
import type { Store } from "../store/db.js";
import { getSetting } from "../store/settings.js";

/** How often the schedule looks at the clock (reading one settings row). */
const LOOK_EVERY_MS = 60_000;

/**
 * Runs `ccm cleanup` every safety.cleanup.interval_hours. The last run time is in the database (settings
 * `cleanup.last_run_at`, written by the run itself), so a restarted daemon neither repeats a run that just
 * happened nor skips one that is due; a database that has never seen one runs it at start.
 */
export function createCleanupSchedule(deps: { store: Store; config: Config; paths: CcmPaths; log: Logger }) {
  const { store, config, log } = deps;
  let running: Promise<void> | undefined;
  let lookedAt = Number.NEGATIVE_INFINITY;
  return {
    /** Starts a run in the background when one is due; never waits for it. */
    tick(): void {
      const now = store.clock();
      if (running || now - lookedAt < LOOK_EVERY_MS) return;
      lookedAt = now;
      const last = Number(getSetting(store, CLEANUP_LAST_RUN) ?? Number.NaN);
      const every = config.safety.cleanup.interval_hours * 3_600_000;
      if (Number.isFinite(last) && now - last < every) return;
      running = runCleanup({
        store,
        runsDir: join(deps.paths.home, "runs"),
        maxAgeDays: config.safety.cleanup.worktree_max_age_days,
        actor: "daemon",
      })
        .then((report) => {
          const failed = report.items.filter((i) => i.error).map((i) => ({ path: i.path, error: i.error }));
          // Quiet when there was nothing to do (most runs): the log is for what changed.
          const level = failed.length > 0 ? "warn" : report.removed > 0 ? "info" : "debug";
          log[level]({ removed: report.removed, kept: report.kept, failed }, "cleanup done");
        })
        .catch((error: unknown) => log.error({ err: error }, "cleanup failed"))
        .finally(() => {
          running = undefined;
        });
    },
    async drain(): Promise<void> {
      await running;
    },
  };
}
