import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import { isAlive, waitFor } from "./test-helpers.js";
import { runSetup } from "./worktree.js";

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "ccm-setup-")));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("runSetup", () => {
  it("runs the project's command with sh in the worktree and logs stdout and stderr", async () => {
    const logFile = join(dir, "logs", "setup.log");
    // The command is the project's own shell text: its quoting and expansions are sh's business.
    await runSetup(dir, `echo "out: $(pwd)"; echo 'err: it''s' >&2; printf '%s\\n' "$CCM_X" > made.txt`, {
      timeoutMs: 10_000,
      logFile,
      env: { CCM_X: "a b;c" },
    });
    const log = await readFile(logFile, "utf8");
    expect(log).toContain(`out: ${dir}\n`);
    expect(log).toContain("err: its\n");
    expect(await readFile(join(dir, "made.txt"), "utf8")).toBe("a b;c\n");
  });

  it("fails with the tail of this run's output", async () => {
    const logFile = join(dir, "setup.log");
    await runSetup(dir, "echo earlier run", { timeoutMs: 10_000, logFile });
    const error = await runSetup(dir, "for i in $(seq 1 30); do echo line $i; done; echo boom >&2; exit 3", {
      timeoutMs: 10_000,
      logFile,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcmError);
    const { code, message, details } = error as CcmError;
    expect(code).toBe("EXTERNAL_COMMAND");
    expect(message).toBe("setup command exited with code 3: boom");
    const tail = String(details?.tail);
    expect(tail.split("\n")).toHaveLength(20);
    expect(tail).toContain("line 30\nboom");
    expect(tail).not.toContain("earlier run");
  });

  it("ends the command's whole process group on timeout", async () => {
    const logFile = join(dir, "setup.log");
    const started = Date.now();
    const error = await runSetup(dir, "sleep 60 & echo $! > bg.pid; echo started; wait", {
      timeoutMs: 500,
      logFile,
    }).catch((e: unknown) => e);
    expect((error as CcmError).message).toBe("setup command timed out after 500 ms: started");
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = Number(await readFile(join(dir, "bg.pid"), "utf8"));
    await waitFor("the background sleep to end", () => !isAlive(pid), 5_000);
  });
});
