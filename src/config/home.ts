import { chmodSync, mkdirSync, statSync } from "node:fs";
import { CcmError } from "../errors.js";
import type { CcmPaths } from "./paths.js";

/**
 * Creates CCM_HOME and its folders user-only (0700), tightening CCM_HOME itself if it already existed. On a
 * read-only or full file system an existing, already private home is left as it is (reads still work);
 * anything it cannot do is a clear STORAGE error, not a stack trace.
 */
export function ensureHome(paths: CcmPaths): void {
  try {
    for (const dir of [paths.home, paths.logs, paths.run, paths.automations, paths.automationsEnabled]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    if ((statSync(paths.home).mode & 0o777) !== 0o700) chmodSync(paths.home, 0o700);
  } catch (error) {
    throw homeError(paths.home, error);
  }
}

function homeError(home: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EROFS") {
    return new CcmError("STORAGE", `${home} is on a read-only file system`, {
      hint: "ccm keeps its database and logs there: remount it read-write, or set CCM_HOME to a writable folder.",
      cause: error,
    });
  }
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new CcmError("STORAGE", `the disk holding ${home} is full`, {
      hint: "Free some space, then retry. Data already stored is intact.",
      cause: error,
    });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new CcmError("STORAGE", `cannot set up ${home}: ${(error as Error).message}`, {
      hint: "CCM_HOME must be a folder you own; check its owner and permissions.",
      cause: error,
    });
  }
  return error;
}
