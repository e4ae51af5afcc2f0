import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { killMarkedProcesses, newRunMarker, RUN_MARKER_ENV } from "../fixtures/process-sweep.js";
import { CLI } from "../helpers/cli.js";

/**
 * A real full disk and a real read-only file system under CCM_HOME: the scenario runs in a private mount
 * namespace (`unshare -Urm`, no privileges needed) on a 4 MiB tmpfs, driving the real CLI and daemon.
 */
const SCENARIO = fileURLToPath(new URL("../fixtures/storage-faults.mjs", import.meta.url));

interface Report {
  error?: string;
  before: string[];
  full: {
    create: { code: number; stderr: string };
    list: number;
    show: number;
    daemonStatus: number;
    health: number | string;
    healthLater: number | string;
    integrity: string;
  };
  recovered: { create: number; state?: string; failureReason?: string | null };
  readOnly: {
    create: { code: number; stderr: string };
    list: number;
    show: number;
    daemonStart: { code: number; stderr: string };
  };
  readWrite: { create: number; state?: string };
  integrityAtEnd: string;
  tasksAtEnd: { id: number; title: string; state: string }[];
}

const marker = newRunMarker();
afterAll(async () => {
  await killMarkedProcesses(marker);
});

describe("storage faults under CCM_HOME", () => {
  it("a full disk and a read-only disk: clear errors, reads keep working, nothing lost, recovery", () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "ccm-storage-")));
    try {
      const result = spawnSync("unshare", ["-Urm", process.execPath, SCENARIO, CLI, root], {
        encoding: "utf8",
        timeout: 180_000,
        env: { ...process.env, [RUN_MARKER_ENV]: marker },
      });
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      expect(report.error).toBeUndefined();
      expect(report.before).toEqual(["awaiting_approval", "awaiting_approval", "awaiting_approval"]);

      // Full: the write is refused with exit 8 and a message a user understands; reads and the daemon go on.
      expect(report.full.create.code).toBe(8);
      expect(report.full.create.stderr).toMatch(/disk .* is full; nothing was written/);
      expect(report.full.create.stderr).not.toMatch(/unexpected|\bat \w+ \(/);
      expect([report.full.list, report.full.show, report.full.daemonStatus]).toEqual([0, 0, 0]);
      expect([report.full.health, report.full.healthLater]).toEqual([200, 200]);
      expect(report.full.integrity).toBe("ok");
      // Space returns: a new task is taken and run to the end by the same daemon.
      expect(report.recovered).toMatchObject({ create: 0, state: "awaiting_approval", failureReason: null });

      // Read-only: reads work, writes and a daemon start are refused clearly.
      expect(report.readOnly.create.code).toBe(8);
      expect(report.readOnly.create.stderr).toContain("read-only");
      expect([report.readOnly.list, report.readOnly.show]).toEqual([0, 0]);
      expect(report.readOnly.daemonStart.code).toBe(8);
      expect(report.readOnly.daemonStart.stderr).toContain("read-only");
      expect(report.readWrite).toEqual({ create: 0, state: "awaiting_approval" });

      // Nothing stored was lost or corrupted; the refused tasks were never half-written.
      expect(report.integrityAtEnd).toBe("ok");
      expect(report.tasksAtEnd.map((t) => t.title).sort()).toEqual(
        [
          "before the fault 1",
          "before the fault 2",
          "before the fault 3",
          "after space returned",
          "read-write again",
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 240_000);
});
