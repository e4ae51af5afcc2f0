import type { Store } from "../store/db.js";

/** Usage readings, whatever their source; every sample records where it came from. */

export type QuotaSource = "statusline" | "ccusage" | "transcripts";
export type QuotaWindow = "five_hour" | "seven_day";
/** Best first. */
export const SOURCES: readonly QuotaSource[] = ["statusline", "ccusage", "transcripts"];

export interface NewSample {
  account: string;
  source: QuotaSource;
  window: QuotaWindow;
  usedPercent: number;
  /** When the window resets (ms), if known. */
  resetsAt: number | null;
  tokens?: number | null;
  tokenLimit?: number | null;
  taskId?: number | null;
}

export interface Sample extends Required<NewSample> {
  id: number;
  at: number;
}

interface Row {
  id: number;
  account: string;
  source: QuotaSource;
  window: QuotaWindow;
  used_percent: number;
  resets_at: number | null;
  tokens: number | null;
  token_limit: number | null;
  task_id: number | null;
  at: number;
}

const toSample = (r: Row): Sample => ({
  id: r.id,
  account: r.account,
  source: r.source,
  window: r.window,
  usedPercent: r.used_percent,
  resetsAt: r.resets_at,
  tokens: r.tokens,
  tokenLimit: r.token_limit,
  taskId: r.task_id,
  at: r.at,
});

export function insertSamples(store: Store, samples: readonly NewSample[], at = store.clock()): void {
  const insert = store.db.prepare(
    `INSERT INTO quota_samples (account, source, window, used_percent, resets_at, tokens, token_limit, task_id, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  store.transaction(() => {
    for (const s of samples)
      insert.run(
        s.account,
        s.source,
        s.window,
        s.usedPercent,
        s.resetsAt,
        s.tokens ?? null,
        s.tokenLimit ?? null,
        s.taskId ?? null,
        at,
      );
  });
}

/** The newest sample of every (account, source, window). */
export function latestSamples(store: Store): Sample[] {
  const rows = store.db
    .prepare(
      `SELECT s.* FROM quota_samples s JOIN (
         SELECT account, source, window, max(at) AS at FROM quota_samples GROUP BY account, source, window
       ) m ON m.account = s.account AND m.source = s.source AND m.window = s.window AND m.at = s.at
       ORDER BY s.account, s.source, s.window, s.id DESC`,
    )
    .all() as unknown as Row[];
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const r of rows) {
    const key = `${r.account}\0${r.source}\0${r.window}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(toSample(r));
  }
  return out;
}

export interface HistoryFilter {
  since: number;
  until?: number;
  account?: string;
  source?: QuotaSource;
  window?: QuotaWindow;
  limit?: number;
}

/** Samples in a time window, oldest first (the dashboard's history chart). */
export function sampleHistory(store: Store, filter: HistoryFilter): Sample[] {
  const where = ["at >= ?", "at <= ?"];
  const params: (string | number)[] = [filter.since, filter.until ?? Number.MAX_SAFE_INTEGER];
  for (const [column, value] of [
    ["account", filter.account],
    ["source", filter.source],
    ["window", filter.window],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  return (
    store.db
      .prepare(`SELECT * FROM quota_samples WHERE ${where.join(" AND ")} ORDER BY at, id LIMIT ?`)
      .all(...params, filter.limit ?? 10_000) as unknown as Row[]
  ).map(toSample);
}

/** Samples with `afterId < id <= untilId`, in id order (the live feed's replay). */
export function samplesAfter(store: Store, afterId: number, untilId: number, limit = 1000): Sample[] {
  return (
    store.db
      .prepare("SELECT * FROM quota_samples WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")
      .all(afterId, untilId, limit) as unknown as Row[]
  ).map(toSample);
}
