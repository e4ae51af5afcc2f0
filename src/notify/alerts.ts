import type { DatabaseSync } from "node:sqlite";
import type { Store } from "../store/db.js";
import { getSetting, setSetting } from "../store/settings.js";

const EVENT_CURSOR = "alerts.event_cursor";
const FAILED_CURSOR = "alerts.failed_cursor";

/**
 * Alerts: one table any part of ccm can write with one call, `raiseAlert(db, {level, code, message,
 * taskId?})`. The router (router.ts) delivers undelivered rows to the configured channels; an `events` row
 * of kind `alert` is written alongside so the live event stream (SSE) shows it at once. Duplicates (same
 * dedup key within the dedup window) are dropped at the source: no alert storms.
 */

export type AlertLevel = "info" | "warning" | "critical";
export const ALERT_LEVELS: readonly AlertLevel[] = ["info", "warning", "critical"];

export interface NewAlert {
  level: AlertLevel;
  /** Stable machine code, e.g. quota.warning, quota.critical, task.paused, task.resumed, limits.worktree. */
  code: string;
  message: string;
  taskId?: number | null;
  /** What counts as "the same alert"; default `<code>:<taskId>`. */
  dedupKey?: string;
  /** How long a same-key alert is suppressed; default 30 minutes. */
  dedupWindowMs?: number;
}

export interface Alert {
  id: number;
  level: AlertLevel;
  code: string;
  message: string;
  taskId: number | null;
  at: number;
  deliveredAt: number | null;
  attempts: number;
  /** Per channel: "ok" or the error. */
  deliveries: Record<string, string> | null;
}

export const DEFAULT_DEDUP_MS = 30 * 60_000;

type Db = Store | DatabaseSync;

function handle(db: Db): { db: DatabaseSync; now: number } {
  return "clock" in db && "db" in db
    ? { db: db.db, now: db.clock() }
    : { db: db as DatabaseSync, now: Date.now() };
}

export function raiseAlert(
  target: Db,
  alert: NewAlert,
  sourceEventId: number | null = null,
): { id: number; duplicate: boolean } {
  const { db, now } = handle(target);
  const key = alert.dedupKey ?? `${alert.code}:${alert.taskId ?? ""}`;
  const window = alert.dedupWindowMs ?? DEFAULT_DEDUP_MS;
  const existing = db
    .prepare("SELECT id FROM alerts WHERE dedup_key = ? AND at > ? ORDER BY id DESC LIMIT 1")
    .get(key, now - window) as { id: number } | undefined;
  if (existing) return { id: existing.id, duplicate: true };
  const { id } = db
    .prepare(
      `INSERT INTO alerts (level, code, message, task_id, dedup_key, source_event_id, at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(alert.level, alert.code, alert.message, alert.taskId ?? null, key, sourceEventId, now) as {
    id: number;
  };
  if (sourceEventId === null) {
    db.prepare(
      "INSERT INTO events (task_id, agent_id, source, event, payload, at) VALUES (?, NULL, 'daemon', 'alert', ?, ?)",
    ).run(
      alert.taskId ?? null,
      JSON.stringify({ alertId: id, level: alert.level, code: alert.code, message: alert.message }),
      now,
    );
  }
  return { id, duplicate: false };
}

/**
 * Events of kind `alert` written directly by other code (not through raiseAlert) become alerts too, so
 * they are delivered. Their payload may carry level, code, message / reason; missing fields get defaults.
 */
export function importAlertEvents(store: Store): number {
  const rows = store.db
    .prepare(
      `SELECT e.id, e.task_id, e.payload FROM events e
       WHERE e.event = 'alert' AND e.id > ?
         AND NOT (e.source = 'daemon' AND json_valid(e.payload) AND json_extract(e.payload, '$.alertId') IS NOT NULL)
       ORDER BY e.id LIMIT 100`,
    )
    .all(Number(getSetting(store, EVENT_CURSOR) ?? 0)) as {
    id: number;
    task_id: number | null;
    payload: string;
  }[];
  for (const row of rows) {
    let p: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(row.payload) as unknown;
      p =
        typeof parsed === "object" && parsed !== null
          ? (parsed as Record<string, unknown>)
          : { message: String(parsed) };
    } catch {
      p = { message: row.payload };
    }
    const level = ALERT_LEVELS.includes(p.level as AlertLevel) ? (p.level as AlertLevel) : "warning";
    const code = typeof p.code === "string" ? p.code : typeof p.kind === "string" ? p.kind : "alert";
    const message =
      typeof p.message === "string"
        ? p.message
        : typeof p.reason === "string"
          ? p.reason
          : JSON.stringify(p).slice(0, 500);
    raiseAlert(store, { level, code, message, taskId: row.task_id }, row.id);
  }
  const last = rows.at(-1);
  if (last) setSetting(store, EVENT_CURSOR, String(last.id));
  return rows.length;
}

/**
 * Raises an alert for each task that failed since the last call (a failed task is what a user running
 * agents unattended most needs to hear about): code `task_failed`, the reason as the message. A cursor in
 * settings remembers the last transition seen, so each failure is raised once, across restarts.
 */
export function importFailedTasks(store: Store): number {
  const cursor = getSetting(store, FAILED_CURSOR);
  if (cursor === undefined) {
    // First run on this database: start from now, not with an alert for every failure in its history.
    const last = store.db.prepare("SELECT coalesce(max(id), 0) AS id FROM task_transitions").get() as {
      id: number;
    };
    setSetting(store, FAILED_CURSOR, String(last.id));
    return 0;
  }
  const rows = store.db
    .prepare(
      `SELECT tt.id, tt.task_id, tt.reason, t.title FROM task_transitions tt JOIN tasks t ON t.id = tt.task_id
       WHERE tt.to_state = 'failed' AND tt.id > ? ORDER BY tt.id LIMIT 100`,
    )
    .all(Number(cursor)) as { id: number; task_id: number; reason: string; title: string }[];
  for (const row of rows) {
    raiseAlert(store, {
      level: "warning",
      code: "task_failed",
      message: `task #${row.task_id} (${row.title}) failed: ${row.reason.split("\n")[0]}`,
      taskId: row.task_id,
    });
  }
  const last = rows.at(-1);
  if (last) setSetting(store, FAILED_CURSOR, String(last.id));
  return rows.length;
}

interface Row {
  id: number;
  level: AlertLevel;
  code: string;
  message: string;
  task_id: number | null;
  at: number;
  delivered_at: number | null;
  attempts: number;
  deliveries: string | null;
}

const toAlert = (r: Row): Alert => ({
  id: r.id,
  level: r.level,
  code: r.code,
  message: r.message,
  taskId: r.task_id,
  at: r.at,
  deliveredAt: r.delivered_at,
  attempts: r.attempts,
  deliveries: r.deliveries ? (JSON.parse(r.deliveries) as Record<string, string>) : null,
});

/** Newest first; `afterId` gives only newer ones (polling). */
export function listAlerts(
  store: Store,
  filter: { limit?: number; afterId?: number; since?: number } = {},
): Alert[] {
  return (
    store.db
      .prepare("SELECT * FROM alerts WHERE id > ? AND at >= ? ORDER BY id DESC LIMIT ?")
      .all(filter.afterId ?? 0, filter.since ?? 0, filter.limit ?? 100) as unknown as Row[]
  ).map(toAlert);
}

export function pendingAlerts(store: Store, maxAttempts: number): Alert[] {
  return (
    store.db
      .prepare("SELECT * FROM alerts WHERE delivered_at IS NULL AND attempts < ? ORDER BY id LIMIT 50")
      .all(maxAttempts) as unknown as Row[]
  ).map(toAlert);
}

export function recordDelivery(
  store: Store,
  id: number,
  deliveries: Record<string, string>,
  done: boolean,
): void {
  store.db
    .prepare("UPDATE alerts SET attempts = attempts + 1, deliveries = ?, delivered_at = ? WHERE id = ?")
    .run(JSON.stringify(deliveries), done ? store.clock() : null, id);
}

/** Alerts with `afterId < id <= untilId`, oldest first (the live feed's replay). */
export function alertsAfter(store: Store, afterId: number, untilId: number, limit = 500): Alert[] {
  return (
    store.db
      .prepare("SELECT * FROM alerts WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")
      .all(afterId, untilId, limit) as unknown as Row[]
  ).map(toAlert);
}
