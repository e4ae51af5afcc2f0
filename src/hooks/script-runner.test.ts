import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isAlive } from "../runtime/test-helpers.js";
import type { AutomationInput } from "./automations.js";
import { createScriptRunner } from "./script-runner.js";
import { payloadOf, preToolUse } from "./test-helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccm-runner-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, events: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n# ccm-events: ${events}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const input = (payload: Record<string, unknown>, env: AutomationInput["env"] = {}): AutomationInput => ({
  event: String(payload.hook_event_name),
  payload: { ...payload, cwd: dir },
  env: { PATH: process.env.PATH, ...env },
});

const runner = (timeoutMs?: number) =>
  createScriptRunner({ dirs: () => [dir], ...(timeoutMs === undefined ? {} : { timeoutMs }) });

describe("createScriptRunner", () => {
  it("starts no process when no automation matches", async () => {
    const childProcess = process.getBuiltinModule("node:child_process");
    const spawn = vi.spyOn(childProcess, "spawn");
    script("stop-only", "Stop", "exit 2");
    const decision = await runner().run(input(preToolUse()));
    expect(decision).toEqual({ decision: "allow", runs: [] });
    expect(spawn).not.toHaveBeenCalled();
  });

  it("passes the event JSON on stdin, the event as argument and CCM_* in the environment", async () => {
    const out = join(dir, "seen.json");
    script(
      "record",
      "PreToolUse(Bash)",
      `cat > '${out}'; printf '%s %s %s %s' "$1" "$CCM_TASK_ID" "$CCM_EVENT" "$(pwd)" > '${out}.env'`,
    );
    const decision = await runner().run(input(preToolUse("ls -la"), { CCM_TASK_ID: "42" }));
    expect(decision).toMatchObject({
      decision: "allow",
      runs: [{ script: join(dir, "record"), decision: "allow" }],
    });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ tool_input: { command: "ls -la" } });
    expect(readFileSync(`${out}.env`, "utf8")).toBe(`PreToolUse 42 PreToolUse ${dir}`);
  });

  it("turns exit 2 into a block with stderr as the reason", async () => {
    script(
      "guard",
      "PreToolUse(Bash)",
      `grep -q '"rm ' && { echo "rm is not allowed here" >&2; exit 2; }; exit 0`,
    );
    const blocked = await runner().run(input(preToolUse("rm -rf build")));
    expect(blocked).toMatchObject({
      decision: "block",
      reason: "rm is not allowed here",
      runs: [{ decision: "block", reason: "rm is not allowed here" }],
    });
    expect(blocked.runs[0]?.durationMs).toBeGreaterThan(0);
    expect((await runner().run(input(preToolUse("ls")))).decision).toBe("allow");
  });

  it("passes JSON stdout through and classifies it", async () => {
    script(
      "ctx",
      "Stop",
      `echo '{"hookSpecificOutput":{"hookEventName":"Stop","additionalContext":"remember the changelog"}}'`,
    );
    script("deny", "Stop", `echo '{"decision":"block","reason":"tests are red"}'`);
    const decision = await runner().run(input(payloadOf("Stop")));
    expect(decision).toMatchObject({
      decision: "block",
      reason: "tests are red",
      output: { hookSpecificOutput: { additionalContext: "remember the changelog" } },
    });
    expect(decision.runs.map((r) => r.decision)).toEqual(["context", "block"]);
  });

  it("makes plain stdout context on SessionStart and UserPromptSubmit only", async () => {
    script("say", "*", "echo 'project uses pnpm'");
    const start = await runner().run(input(payloadOf("SessionStart", { source: "startup" })));
    expect(start.output).toEqual({
      hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "project uses pnpm" },
    });
    expect((await runner().run(input(payloadOf("Stop")))).decision).toBe("allow");
  });

  it("records a crash or a wrong exit code as an error that does not block unless fail-closed", async () => {
    script("crash", "PreToolUse", "echo 'boom: config missing' >&2; exit 3");
    const open = await runner().run(input(preToolUse()));
    expect(open).toMatchObject({
      decision: "allow",
      runs: [{ decision: "error", reason: "exit code 3: boom: config missing" }],
    });
    const closed = await runner().run(input(preToolUse(), { CCM_FAIL_CLOSED: "PreToolUse" }));
    expect(closed).toMatchObject({ decision: "block", reason: "exit code 3: boom: config missing" });
  });

  it("kills a script (and what it started) at its timeout; the header can override the default", async () => {
    const pidFile = join(dir, "child.pid");
    script("slow", "Stop", `sleep 30 & echo $! > '${pidFile}'; wait`);
    const started = Date.now();
    const decision = await runner(300).run(input(payloadOf("Stop")));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(decision.runs[0]).toMatchObject({ decision: "error", reason: "timed out after 300 ms" });
    const pid = Number(readFileSync(pidFile, "utf8"));
    // isAlive: a killed child may stay a zombie for a while here (PID 1 reaps slowly); that is ended.
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 2_000 });

    rmSync(join(dir, "slow"));
    script("quick-limit", "Stop\n# ccm-timeout: 0.2", "sleep 30");
    expect((await runner(60_000).run(input(payloadOf("Stop")))).runs[0]?.reason).toBe(
      "timed out after 200 ms",
    );
  });

  it("takes the default limit from CCM_AUTOMATION_TIMEOUT (seconds) when the header sets none", async () => {
    script("slow", "Stop", "sleep 30");
    const decision = await runner().run(input(payloadOf("Stop"), { CCM_AUTOMATION_TIMEOUT: "0.3" }));
    expect(decision.runs[0]).toMatchObject({ decision: "error", reason: "timed out after 300 ms" });
  });

  it("tells the script how to reach ccm and exports the payload's small fields, not inherited ones", async () => {
    const out = join(dir, "env.txt");
    script(
      "env",
      "PreToolUse",
      `printf '%s\\n' "$CCM_NODE" "$CCM_BIN" "$CCM_LIB" "$CCM_AUTOMATION" "$CCM_F_tool_input__command" "\${CCM_F_stale-unset}" > '${out}'`,
    );
    await runner().run(input(preToolUse("make test"), { CCM_F_stale: "from a parent hook" }));
    const [node, bin, lib, self, command, stale] = readFileSync(out, "utf8").split("\n");
    expect(node).toBe(process.execPath);
    expect(existsSync(bin!) && existsSync(join(lib!, "ccm.sh"))).toBe(true);
    expect(self).toBe(join(dir, "env"));
    expect(command).toBe("make test");
    expect(stale).toBe("unset");
  });

  it("does not wait for a background job that keeps the pipes open", async () => {
    script("bg", "Stop", "sleep 5 >/dev/null 2>&1 & echo done");
    script("bg-pipes", "Stop", "(sleep 3; echo late) & exit 0");
    const started = Date.now();
    const decision = await runner().run(input(payloadOf("Stop")));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(decision.runs.map((r) => r.decision)).toEqual(["allow", "allow"]);
  });

  it("runs scripts concurrently", async () => {
    for (const name of ["a", "b", "c"]) script(name, "Stop", "sleep 0.4");
    const started = Date.now();
    const decision = await runner().run(input(payloadOf("Stop")));
    expect(decision.runs).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(1_100);
  });
});
