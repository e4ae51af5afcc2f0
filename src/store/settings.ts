import type { Store } from "./db.js";

/**
 * The settings table: small daemon bookkeeping by key (the last cleanup run, alert cursors, the quota hold…).
 * Values are text; callers that keep structured values encode them (see getJsonSetting).
 */

export function getSetting(store: Store, key: string): string | undefined {
  const row = store.db.prepare("SELECT value FROM settings WHERE key = ?").get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

export function setSetting(store: Store, key: string, value: string): void {
  store.db
    .prepare(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .run(key, value);
}

export function deleteSetting(store: Store, key: string): void {
  store.db.prepare("DELETE FROM settings WHERE key = ?").run(key);
}

/** A JSON value; undefined when missing or unreadable. */
export function getJsonSetting<T>(store: Store, key: string): T | undefined {
  const value = getSetting(store, key);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

/** Stores `value` as JSON; undefined removes the key. */
export function setJsonSetting(store: Store, key: string, value: unknown): void {
  if (value === undefined) deleteSetting(store, key);
  else setSetting(store, key, JSON.stringify(value));
}
