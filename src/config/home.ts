import { chmodSync, mkdirSync } from "node:fs";
import type { CcmPaths } from "./paths.js";

/** Creates CCM_HOME and its folders user-only (0700), tightening CCM_HOME itself if it already existed. */
export function ensureHome(paths: CcmPaths): void {
  for (const dir of [paths.home, paths.logs, paths.run, paths.automations, paths.automationsEnabled]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  chmodSync(paths.home, 0o700);
}
