import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, openStore, type Store } from "./db.js";

/** A store in a fresh temp directory, removed on dispose. For tests only. */
export function tempStore(clock?: Clock): Store & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "ccm-store-"));
  const store = openStore(join(dir, "ccm.db"), clock ? { clock } : {});
  return Object.assign(store, {
    dir,
    [Symbol.dispose]() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** A clock that advances one millisecond per reading, so creation order is observable. */
export function steppingClock(start = 1_700_000_000_000): Clock {
  let now = start;
  return () => now++;
}
