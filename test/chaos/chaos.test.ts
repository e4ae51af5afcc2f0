import { describe, expect, it } from "vitest";
import { formatFigures, runChaos } from "./harness.js";

/**
 * The chaos test. `npm test` runs the short form (a few kills); `npm run test:chaos` the long one
 * (CHAOS_TRIALS=100). CHAOS_SEED replays a run exactly (kill times, priorities, dependencies).
 */
const trials = Number(process.env.CHAOS_TRIALS ?? 4);
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);

describe("chaos: the daemon SIGKILLed at random moments", () => {
  it(
    `loses no task, runs no finished stage twice, loses no hook event (seed ${seed}, ${trials} kills)`,
    async () => {
      await using stack = new AsyncDisposableStack();
      const figures = await runChaos(stack, {
        trials,
        seed,
        // The short form keeps the workflow small; the long form runs the full 20.
        tasksPerWorkflow: Number(process.env.CHAOS_TASKS ?? (trials >= 20 ? 20 : 8)),
        log: (line) => console.log(`chaos: ${line}`),
      });
      console.log(`chaos figures (replay with CHAOS_SEED=${seed}):\n${formatFigures(figures)}`);
      expect(figures.violations).toEqual([]);
      expect(figures.trials).toBe(trials);
      expect(figures.hookCalls).toBeGreaterThan(0);
    },
    60 * 60_000,
  );
});
