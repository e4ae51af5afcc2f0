import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import { isOurDaemon, isProcessAlive, readPidFile, removePidFile, writePidFile } from "./pidfile.js";

let dir: string;
let pidFile: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccm-pidfile-"));
  pidFile = join(dir, "run", "daemon.pid");
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A real, idle Node process; extra args show up in its /proc cmdline like the daemon's would. */
async function startProcess(...args: string[]): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", ...args], { stdio: "ignore" });
  children.push(child);
  await once(child, "spawn");
  return child as ChildProcess & { pid: number };
}

/** Kills and reaps the child, so its pid is really free (not a zombie). */
async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

function expectCcmError(fn: () => unknown, code: string): CcmError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CcmError);
    expect((error as CcmError).code).toBe(code);
    return error as CcmError;
  }
  throw new Error(`expected CcmError ${code}`);
}

describe("writePidFile", () => {
  it("creates the file 0600 in a new 0700 directory, holding the pid, with no temp files left", () => {
    writePidFile(pidFile, process.pid);
    expect(readFileSync(pidFile, "utf8")).toBe(`${process.pid}\n`);
    expect(readPidFile(pidFile)).toBe(process.pid);
    expect(statSync(pidFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "run")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "run"))).toEqual(["daemon.pid"]);
  });

  it("leaves the mode of an existing parent directory alone", () => {
    mkdirSync(join(dir, "run"), { mode: 0o755 });
    writePidFile(pidFile, process.pid);
    expect(statSync(join(dir, "run")).mode & 0o777).toBe(0o755);
  });

  it("refuses with DAEMON_RUNNING while the recorded daemon is alive", async () => {
    const daemon = await startProcess("daemon", "start", "--foreground");
    writePidFile(pidFile, daemon.pid);
    const error = expectCcmError(() => writePidFile(pidFile, process.pid), "DAEMON_RUNNING");
    expect(error.details).toMatchObject({ pid: daemon.pid });
    expect(error.message).toContain(String(daemon.pid));
    expect(readPidFile(pidFile)).toBe(daemon.pid);
  });

  it("replaces the file of a daemon that has exited", async () => {
    const daemon = await startProcess("daemon", "start", "--foreground");
    writePidFile(pidFile, daemon.pid);
    await stopProcess(daemon);
    expect(isProcessAlive(daemon.pid)).toBe(false);
    writePidFile(pidFile, process.pid);
    expect(readPidFile(pidFile)).toBe(process.pid);
    expect(readdirSync(join(dir, "run"))).toEqual(["daemon.pid"]);
  });

  it.skipIf(process.platform !== "linux")(
    "treats a live process that is not our daemon (a recycled pid) as stale on Linux",
    async () => {
      const unrelated = await startProcess();
      writePidFile(pidFile, unrelated.pid);
      writePidFile(pidFile, process.pid);
      expect(readPidFile(pidFile)).toBe(process.pid);
      expect(isProcessAlive(unrelated.pid)).toBe(true);
    },
  );

  it("falls back to liveness only where there is no /proc to check", async () => {
    const unrelated = await startProcess();
    writePidFile(pidFile, unrelated.pid);
    expectCcmError(() => writePidFile(pidFile, process.pid, { platform: "darwin" }), "DAEMON_RUNNING");
  });

  it("replaces a file without a valid pid", () => {
    mkdirSync(join(dir, "run"));
    writeFileSync(pidFile, "not a pid\n");
    expect(readPidFile(pidFile)).toBeUndefined();
    writePidFile(pidFile, process.pid);
    expect(readPidFile(pidFile)).toBe(process.pid);
  });

  it("accepts a file that already holds the same pid", () => {
    writePidFile(pidFile, process.pid);
    writePidFile(pidFile, process.pid);
    expect(readPidFile(pidFile)).toBe(process.pid);
  });

  it("rejects pids that would address process groups", () => {
    expectCcmError(() => writePidFile(pidFile, 0), "INVALID_ARGUMENT");
    expectCcmError(() => writePidFile(pidFile, -1), "INVALID_ARGUMENT");
  });
});

describe("isOurDaemon", () => {
  it.skipIf(process.platform !== "linux")("matches the markers against whole cmdline arguments", async () => {
    const daemon = await startProcess("daemon", "start", "--foreground");
    expect(isOurDaemon(daemon.pid)).toBe(true);
    expect(isOurDaemon(daemon.pid, { markers: ["--foreground", "daemon"] })).toBe(true);
    expect(isOurDaemon(daemon.pid, { markers: ["foreground"] })).toBe(false);
    await stopProcess(daemon);
    expect(isOurDaemon(daemon.pid)).toBe(false);
  });
});

describe("isProcessAlive", () => {
  it("is true for a running process and false once it has exited", async () => {
    const child = await startProcess();
    expect(isProcessAlive(child.pid)).toBe(true);
    await stopProcess(child);
    expect(isProcessAlive(child.pid)).toBe(false);
  });

  it("is false for non-pids instead of signalling a process group", () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isProcessAlive(pid)).toBe(false);
  });
});

describe("readPidFile and removePidFile", () => {
  it("reads undefined when there is no file", () => {
    expect(readPidFile(pidFile)).toBeUndefined();
  });

  it("removes the file only while it holds the given pid", () => {
    writePidFile(pidFile, process.pid);
    expect(removePidFile(pidFile, process.pid + 1)).toBe(false);
    expect(readPidFile(pidFile)).toBe(process.pid);
    expect(removePidFile(pidFile, process.pid)).toBe(true);
    expect(readPidFile(pidFile)).toBeUndefined();
    expect(removePidFile(pidFile, process.pid)).toBe(false);
  });
});
