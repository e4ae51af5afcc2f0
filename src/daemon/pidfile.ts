import { randomBytes } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { CcmError, isCcmError } from "../errors.js";

// Synchronous on purpose: these run once at start-up and at shutdown, including from a process 'exit'
// handler where nothing asynchronous completes.

/** argv words that identify the daemon process (`ccm daemon start --foreground`). */
export const DAEMON_MARKERS: readonly string[] = ["daemon", "start", "--foreground"];

export interface PidCheckOptions {
  /** Every marker must be a whole argument of the process. Default DAEMON_MARKERS. */
  markers?: readonly string[];
  platform?: NodeJS.Platform;
}

/** The pid in the file, or undefined when the file is missing or holds no valid pid. */
export function readPidFile(path: string): number | undefined {
  const raw = storage(`cannot read the pid file ${path}`, () => readRaw(path));
  return raw === undefined ? undefined : parsePid(raw);
}

/** Signal 0 checks existence without signalling. EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  // pid 0 and negative pids address process groups in kill(2): never treat them as one process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

/**
 * Whether `pid` is alive and is our daemon rather than an unrelated process that got a recycled pid.
 * Linux: every marker must be an argument in /proc/<pid>/cmdline (a zombie's cmdline is empty, so a dead,
 * unreaped daemon does not count). Elsewhere, or without a readable /proc, liveness is all we can check.
 */
export function isOurDaemon(pid: number, options: PidCheckOptions = {}): boolean {
  const { markers = DAEMON_MARKERS, platform = process.platform } = options;
  if (!isProcessAlive(pid)) return false;
  if (platform !== "linux") return true;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch (error) {
    // Gone since the liveness check, unless /proc is not mounted at all.
    if (errnoCode(error) === "ENOENT") return !existsSync("/proc/self");
    return true; // e.g. hidepid=2: cannot tell, so do not claim it is stale
  }
  const argv = cmdline.split("\0");
  return markers.every((marker) => argv.includes(marker));
}

/**
 * Claims the pid file for `pid`. Refuses (DAEMON_RUNNING) while the recorded daemon is alive; replaces a
 * stale file. The content is written to a private temp file created with `wx` and then hard-linked into
 * place: link(2) fails if the name exists, like `wx`, and unlike `wx` on the final name no reader can see
 * the file empty, so a concurrent starter never mistakes a half-written claim for a stale one.
 */
export function writePidFile(path: string, pid: number, options: PidCheckOptions = {}): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new CcmError("INVALID_ARGUMENT", `not a process id: ${pid}`);
  }
  storage(`cannot write the pid file ${path}`, () => claim(path, pid, options));
}

function claim(path: string, pid: number, options: PidCheckOptions): void {
  // Only directories created here get 0700; an existing parent (say /tmp) is never chmod-ed.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, `${pid}\n`, { flag: "wx", mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(temp, path);
        return;
      } catch (error) {
        if (errnoCode(error) !== "EEXIST") throw error;
      }
      const raw = readRaw(path);
      if (raw === undefined) continue; // removed meanwhile: try again
      const holder = parsePid(raw);
      if (holder === pid) return; // already ours
      if (holder !== undefined && isOurDaemon(holder, options)) {
        throw new CcmError("DAEMON_RUNNING", `the daemon is already running (pid ${holder})`, {
          hint: "Stop it first with `ccm daemon stop`, or check `ccm daemon status`.",
          details: { pid: holder, pidFile: path },
        });
      }
      removeIfUnchanged(path, raw);
    }
    throw new CcmError("STORAGE", `could not claim ${path}: another process keeps replacing it`, {
      hint: "Another daemon may be starting at the same time; retry in a moment.",
    });
  } finally {
    unlinkQuietly(temp);
  }
}

/** Removes the pid file only while it still names `pid`, so a successor's file is left alone. */
export function removePidFile(path: string, pid: number): boolean {
  return storage(`cannot remove the pid file ${path}`, () => {
    const raw = readRaw(path);
    if (raw === undefined || parsePid(raw) !== pid) return false;
    unlinkQuietly(path);
    return true;
  });
}

/**
 * Deletes a stale pid file only if it still holds `expected`. Renaming it aside first is atomic, so when
 * two starters race on the same stale file only one moves it; if what we moved turns out to be a fresh
 * claim by another starter, it is linked back (unless yet another file took its place).
 */
function removeIfUnchanged(path: string, expected: string): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return;
    throw error;
  }
  if (readRaw(aside) !== expected) {
    try {
      linkSync(aside, path);
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
    }
  }
  unlinkQuietly(aside);
}

function parsePid(raw: string): number | undefined {
  const match = /^\s*(\d{1,10})\s*$/.exec(raw);
  if (!match) return undefined;
  const pid = Number(match[1]);
  return pid > 0 ? pid : undefined;
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw error;
  }
}

/** File-system failures become STORAGE errors with the cause attached; our own CcmErrors pass through. */
function storage<T>(message: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isCcmError(error)) throw error;
    throw new CcmError("STORAGE", `${message}: ${(error as Error).message}`, { cause: error });
  }
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
