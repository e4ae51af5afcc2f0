import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempStore } from "../store/test-helpers.js";
import { openHookDb } from "./hook-db.js";

describe("openHookDb", () => {
  it("never creates a database, and says why it cannot open one", () => {
    const dir = mkdtempSync(join(tmpdir(), "ccm-hookdb-"));
    try {
      expect(() => openHookDb(join(dir, "ccm.db"))).toThrow(`no database at ${join(dir, "ccm.db")}`);
      expect(existsSync(join(dir, "ccm.db"))).toBe(false);
      expect(() => openHookDb(undefined)).toThrow("CCM_DB is not set");
      expect(() => openHookDb("")).toThrow("CCM_DB is not set");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("opens the store's WAL database with the hook's per-connection settings", () => {
    using store = tempStore();
    const db = openHookDb(store.path, 1234);
    try {
      expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      expect(db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
      expect(db.prepare("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 4000 });
      expect(db.prepare("PRAGMA busy_timeout").get()).toEqual({ timeout: 1234 });
    } finally {
      db.close();
    }
  });
});
