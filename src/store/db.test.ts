import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, schemaVersion } from "./db.js";
import { SCHEMA_VERSION } from "./migrations/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccm-db-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("openStore", () => {
  it("creates a user-only WAL database at the current schema version with foreign keys on", () => {
    const path = join(dir, "sub", "ccm.db");
    using store = openStore(path);
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "sub")).mode & 0o777).toBe(0o700);
    expect(store.db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(store.db.prepare("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
    expect(() =>
      store.db
        .prepare(
          "INSERT INTO tasks (project_id, title, prompt, priority, priority_rank, state, created_at, updated_at) VALUES (99, 't', 'p', 'normal', 2, 'queued', 0, 0)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it("is idempotent: reopening applies nothing twice", () => {
    const path = join(dir, "ccm.db");
    openStore(path).close();
    using store = openStore(path);
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
  });

  it("refuses a database from a newer schema and leaves it unchanged", () => {
    const path = join(dir, "ccm.db");
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const before = readFileSync(path);
    expect(() => openStore(path)).toThrow(expect.objectContaining({ code: "DB_TOO_NEW" }));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it.each([
    [
      "random bytes",
      () => Buffer.from("this is certainly not sqlite, just some text that is long enough ".repeat(10)),
    ],
    [
      "a valid header over garbage",
      () => Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(4000, 7)]),
    ],
  ])("never overwrites a corrupt file (%s)", (_label, content) => {
    const path = join(dir, "ccm.db");
    const bytes = content();
    writeFileSync(path, bytes);
    let error: unknown;
    try {
      openStore(path);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "DB_CORRUPT", hint: expect.stringContaining(path) });
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("rolls a failed transaction back completely", () => {
    using store = openStore(join(dir, "ccm.db"));
    expect(() =>
      store.transaction(() => {
        store.db.prepare("INSERT INTO settings (key, value) VALUES ('a', '1')").run();
        throw new Error("boom");
      }),
    ).toThrow();
    expect(store.db.prepare("SELECT count(*) AS n FROM settings").get()).toEqual({ n: 0 });
  });
});
