import type { Store } from "../store/db.js";

/** Figures for the analytics page, computed in SQL over tasks, events and agent runs. */

export interface Analytics {
  since: number;
  /** Finished tasks: how long from first start to the end state (seconds). */
  durations: { taskId: number; title: string; state: string; seconds: number; finishedAt: number }[];
  /** Per UTC day: tasks that ended merged / failed / rejected / cancelled. */
  outcomes: { day: string; merged: number; failed: number; rejected: number; cancelled: number }[];
  successRate: number | null;
  eventsPerHour: { hour: string; events: number; blocked: number }[];
  /** Per UTC day, from the agent runs' results (what the agents reported). */
  usage: { day: string; inputTokens: number; outputTokens: number; costUsd: number; runs: number }[];
}

const DAY = 86_400_000;

export function analytics(store: Store, options: { days?: number; now?: number } = {}): Analytics {
  const days = options.days ?? 14;
  const now = options.now ?? store.clock();
  const since = now - days * DAY;
  const db = store.db;
  const durations = (
    db
      .prepare(
        `SELECT id, title, state, (finished_at - started_at) / 1000.0 AS seconds, finished_at
         FROM tasks WHERE finished_at >= ? AND started_at IS NOT NULL ORDER BY finished_at LIMIT 500`,
      )
      .all(since) as { id: number; title: string; state: string; seconds: number; finished_at: number }[]
  ).map((r) => ({
    taskId: r.id,
    title: r.title,
    state: r.state,
    seconds: r.seconds,
    finishedAt: r.finished_at,
  }));
  const outcomeRows = db
    .prepare(
      `SELECT strftime('%Y-%m-%d', finished_at / 1000, 'unixepoch') AS day, state, count(*) AS n
       FROM tasks WHERE finished_at >= ? GROUP BY day, state ORDER BY day`,
    )
    .all(since) as { day: string; state: string; n: number }[];
  const outcomes = new Map<string, Analytics["outcomes"][number]>();
  for (const r of outcomeRows) {
    const row = outcomes.get(r.day) ?? { day: r.day, merged: 0, failed: 0, rejected: 0, cancelled: 0 };
    if (r.state === "merged" || r.state === "failed" || r.state === "rejected" || r.state === "cancelled") {
      row[r.state] += r.n;
    }
    outcomes.set(r.day, row);
  }
  let good = 0;
  let bad = 0;
  for (const o of outcomes.values()) {
    good += o.merged;
    bad += o.failed + o.rejected;
  }
  const eventsPerHour = (
    db
      .prepare(
        `SELECT strftime('%Y-%m-%dT%H:00', at / 1000, 'unixepoch') AS hour, count(*) AS n,
           sum(decision = 'block') AS blocked
         FROM events WHERE at >= ? GROUP BY hour ORDER BY hour`,
      )
      .all(Math.max(since, now - 2 * DAY)) as { hour: string; n: number; blocked: number | null }[]
  ).map((r) => ({ hour: r.hour, events: r.n, blocked: r.blocked ?? 0 }));
  const usage = (
    db
      .prepare(
        `SELECT strftime('%Y-%m-%d', started_at / 1000, 'unixepoch') AS day,
           sum(coalesce(json_extract(result, '$.usage.inputTokens'), 0)) AS input,
           sum(coalesce(json_extract(result, '$.usage.outputTokens'), 0)) AS output,
           sum(coalesce(json_extract(result, '$.costUsd'), 0)) AS cost, count(*) AS runs
         FROM agents WHERE started_at >= ? AND result IS NOT NULL GROUP BY day ORDER BY day`,
      )
      .all(since) as { day: string; input: number; output: number; cost: number; runs: number }[]
  ).map((r) => ({ day: r.day, inputTokens: r.input, outputTokens: r.output, costUsd: r.cost, runs: r.runs }));
  return {
    since,
    durations,
    outcomes: [...outcomes.values()],
    successRate: good + bad === 0 ? null : good / (good + bad),
    eventsPerHour,
    usage,
  };
}
