import type { DatabaseSync } from "node:sqlite";

const HOOK_WAL_AUTOCHECKPOINT_PAGES = 4000;

/**
 * Opens ccm.db for one hook call. Not the store's openStore: no migrations, no schema check, no journal
 * mode switch (the daemon made the file WAL, which persists), nothing that costs time before every tool
 * call. It never creates the file: a missing database means "not managed by ccm", not "start a new one".
 */
export function openHookDb(path: string | undefined, busyTimeoutMs = 5000): DatabaseSync {
  if (path === undefined || path === "") throw new Error("CCM_DB is not set");
  const { existsSync } = process.getBuiltinModule("node:fs");
  if (!existsSync(path)) throw new Error(`no database at ${path}`);
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
  // The busy timeout covers other writers (the daemon, concurrent hooks); past it the hook gives up.
  const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  try {
    // Per connection. In WAL mode NORMAL skips the fsync on each commit and stays crash-safe. Checkpoints
    // (two fsyncs each) are what remains: at the default 1,000 pages one in ~200 hook calls paid for one
    // (a quarter of the per-event cost with many writers); 4,000 pages (~16 MB of WAL) makes that rare,
    // and the daemon's own connection still checkpoints at 1,000 whenever it writes.
    db.exec(`PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${HOOK_WAL_AUTOCHECKPOINT_PAGES}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
