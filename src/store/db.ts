import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { CcmError } from "../errors.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations/index.js";

export type Clock = () => number;

/** An open database with the schema current. Dispose it (or call close) when done. */
export interface Store extends Disposable {
  readonly db: DatabaseSync;
  readonly path: string;
  readonly clock: Clock;
  /** Runs fn inside BEGIN IMMEDIATE … COMMIT; rolls back on any error. Not re-entrant. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export interface OpenStoreOptions {
  clock?: Clock;
  /** Milliseconds to wait on a locked database before failing. */
  busyTimeoutMs?: number;
  /** Apply pending migrations (the default). A reader that must not write can turn this off. */
  migrate?: boolean;
}

const SQLITE_HEADER = "SQLite format 3\0";

export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const { clock = Date.now, busyTimeoutMs = 5000, migrate = true } = options;
  assertLooksLikeSqlite(path);
  const created = !existsSync(path);
  if (created) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });

  // On a read-only file system SQLite cannot create the WAL index, so even reads fail to open. Nothing can
  // write there, so the file is opened immutable: reads work, and every write fails as read-only.
  const readOnlyFs = !created && onReadOnlyFileSystem(path);
  let db: DatabaseSync;
  try {
    db = readOnlyFs
      ? new DatabaseSync(new URL(`${pathToFileURL(path).href}?immutable=1`), { readOnly: true })
      : new DatabaseSync(path, { timeout: busyTimeoutMs });
  } catch (cause) {
    throw storageError(path, cause);
  }
  try {
    if (created) chmodSync(path, 0o600);
    // Check the version before anything writes (switching to WAL rewrites the header).
    assertSchemaKnown(db, path);
    if (readOnlyFs) {
      if (schemaVersion(db) !== SCHEMA_VERSION) {
        throw new CcmError("STORAGE", `${path} is on a read-only file system and needs a schema upgrade`, {
          hint: "Remount it read-write (or set CCM_HOME to a writable folder), then retry.",
        });
      }
    } else {
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
      if (migrate) applyMigrations(db, path);
    }
  } catch (error) {
    db.close();
    throw error instanceof CcmError ? error : storageError(path, error);
  }

  let inTransaction = false;
  const store: Store = {
    db,
    path,
    clock,
    transaction<T>(fn: () => T): T {
      if (inTransaction) return fn();
      db.exec("BEGIN IMMEDIATE");
      inTransaction = true;
      try {
        const result = fn();
        db.exec("COMMIT");
        return result;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error instanceof CcmError ? error : storageError(path, error);
      } finally {
        inTransaction = false;
      }
    },
    close() {
      if (db.isOpen) db.close();
    },
    [Symbol.dispose]() {
      store.close();
    },
  };
  return store;
}

function onReadOnlyFileSystem(path: string): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EROFS";
  }
}

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

function applyMigrations(db: DatabaseSync, path: string): void {
  const current = assertSchemaKnown(db, path);
  if (current === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const locked = schemaVersion(db);
    for (const migration of MIGRATIONS) {
      if (migration.version <= locked) continue;
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw new CcmError("STORAGE", `could not upgrade the database schema of ${path}`, {
      hint: "The database was left as it was. Report this with the daemon log; restore a backup if needed.",
      cause: error,
    });
  }
}

function assertSchemaKnown(db: DatabaseSync, path: string): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new CcmError(
      "DB_TOO_NEW",
      `${path} has schema version ${current}, newer than this ccm understands (${SCHEMA_VERSION})`,
      {
        hint: "Upgrade ccm-orchestrator (npm i -g ccm-orchestrator@latest); the database was not changed.",
        details: { path, version: current, supported: SCHEMA_VERSION },
      },
    );
  }
  return current;
}

/** Refuses, without writing a byte, a file that is not a SQLite database: we never overwrite it. */
function assertLooksLikeSqlite(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || header.toString("latin1") !== SQLITE_HEADER) throw corruptError(path);
}

function corruptError(path: string, cause?: unknown): CcmError {
  return new CcmError("DB_CORRUPT", `${path} is not a readable SQLite database (it may be corrupt)`, {
    hint:
      `It was left untouched. Move it aside (mv '${path}' '${path}.corrupt'), then run \`ccm daemon init\` ` +
      "to create a new one, or restore a backup; `sqlite3 <file> .recover` may salvage its rows.",
    details: { path },
    cause,
  });
}

/** Maps SQLite failures to our codes: corruption, a full disk and the rest. */
export function storageError(path: string, cause: unknown): CcmError {
  const err = cause as { errcode?: number; message?: string };
  const primary = typeof err.errcode === "number" ? err.errcode & 0xff : undefined;
  if (primary === 11 || primary === 26) return corruptError(path, cause);
  if (primary === 13) {
    return new CcmError("STORAGE", `the disk holding ${path} is full; nothing was written`, {
      hint: "Free some space, then retry. Data already stored is intact.",
      cause,
    });
  }
  if (primary === 8) {
    return new CcmError("STORAGE", `${path} is read-only; nothing was written`, {
      hint: "Reads still work. Remount the file system read-write (or fix the file's permissions), then retry.",
      cause,
    });
  }
  if (primary === 5 || primary === 6) {
    return new CcmError("STORAGE", `${path} is locked by another process`, {
      hint: "Retry in a moment; if it persists, check for a stuck ccm process.",
      cause,
    });
  }
  return new CcmError("STORAGE", `database error in ${path}: ${err.message ?? String(cause)}`, { cause });
}
