import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { payloadOf, preToolUse, seedAgent } from "../../src/hooks/test-helpers.js";
import { openStore, type Store } from "../../src/store/db.js";
import { HOOK_ENTRY } from "../helpers/hook-entry.js";

// The built hook entry as a process, fed directly (no Claude Code): what it stores, prints and exits with.

let dir: string;
let store: Store;
let ids: { taskId: number; agentId: number };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccm-entry-"));
  store = openStore(join(dir, "ccm.db"));
  ids = seedAgent(store, dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    CCM_HOME: join(dir, "home"),
    CCM_DB: store.path,
    CCM_TASK_ID: String(ids.taskId),
    CCM_AGENT_ID: String(ids.agentId),
    ...extra,
  };
}

function hook(
  event: string | undefined,
  input: string | Uint8Array | null,
  extra: Record<string, string> = {},
) {
  const result = spawnSync(process.execPath, event === undefined ? [HOOK_ENTRY] : [HOOK_ENTRY, event], {
    env: env(extra),
    cwd: dir,
    input: input ?? undefined,
    stdio: [input === null ? "ignore" : "pipe", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const rows = () =>
  store.db.prepare("SELECT event, tool, valid, payload, reason, decision FROM events ORDER BY id").all();

describe("dist/hooks/entry.js", () => {
  it("is a launcher plus one self-contained bundle: no imports, no third-party code (start-up cost)", () => {
    const launcher = readFileSync(HOOK_ENTRY, "utf8");
    expect(launcher).not.toMatch(/^\s*import\s/m);
    expect(launcher).not.toMatch(/\bimport\(|\brequire\(/);
    expect(launcher).toContain('"./hook-main.js"');
    const bundle = readFileSync(join(dirname(HOOK_ENTRY), "hook-main.js"), "utf8");
    expect(bundle).not.toMatch(/^\s*(import|export)\s/m);
    expect(bundle).not.toMatch(/\bimport\(|\brequire\(|\bimport\.meta\b/);
  });

  it("keeps a V8 code cache of the bundle in CCM_HOME after a PreToolUse, and runs from it", () => {
    const cacheDir = join(env().CCM_HOME!, "cache");
    const cached = () =>
      existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith("hook-v8-")) : [];
    expect(hook("SessionStart", JSON.stringify(payloadOf("SessionStart", { source: "startup" }))).code).toBe(
      0,
    );
    expect(cached()).toEqual([]); // only a PreToolUse (the hot path) writes it
    expect(hook("PreToolUse", JSON.stringify(preToolUse("ls"))).code).toBe(0);
    expect(cached()).toHaveLength(1);
    // A cache of an earlier build is dropped when a new one is written.
    writeFileSync(join(cacheDir, "hook-v8-v1.0.0-1-1"), "stale");
    rmSync(join(cacheDir, cached().find((f) => f !== "hook-v8-v1.0.0-1-1")!));
    expect(hook("PreToolUse", JSON.stringify(preToolUse("id"))).code).toBe(0);
    expect(cached()).toHaveLength(1);
    expect(cached()).not.toContain("hook-v8-v1.0.0-1-1");
    // Next calls run from the cache and still do their work.
    expect(hook("PreToolUse", JSON.stringify(preToolUse("pwd")))).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(rows().length).toBe(4);
  });

  it("stores a valid event silently: exit 0, no output", () => {
    const result = hook("PreToolUse", JSON.stringify(preToolUse("ls")));
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(rows()).toEqual([expect.objectContaining({ event: "PreToolUse", tool: "Bash", valid: 1 })]);
  });

  it("stores a malformed payload with its raw text as invalid and exits 0", () => {
    const result = hook("PreToolUse", "{not json at all");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^ccm hook: stored as invalid: payload is not JSON/);
    expect(rows()).toEqual([
      expect.objectContaining({
        event: "PreToolUse",
        valid: 0,
        payload: "{not json at all",
        reason: expect.stringMatching(/not JSON/),
      }),
    ]);
  });

  it("exits 2 with the reason on stderr for a malformed payload on a fail-closed event", () => {
    const result = hook("PreToolUse", "{not json", { CCM_FAIL_CLOSED: "Stop, PreToolUse" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "ccm hook failed closed on PreToolUse: invalid hook payload: payload is not JSON",
    );
    expect(rows()).toEqual([expect.objectContaining({ valid: 0, decision: "block" })]);
    // An event that cannot block does not fail closed.
    expect(hook("Notification", "{not json", { CCM_FAIL_CLOSED: "*" }).code).toBe(0);
  });

  it("handles an empty, an absent and a non-UTF-8 stdin", () => {
    expect(hook("Stop", "").code).toBe(0);
    expect(hook("Stop", null).code).toBe(0);
    const bytes = Buffer.from(JSON.stringify(payloadOf("Stop", { last_assistant_message: "caf\u00e9" })));
    bytes[bytes.indexOf(0xc3)] = 0xff;
    expect(hook("Stop", bytes).code).toBe(0);
    expect(rows()).toEqual([
      expect.objectContaining({ valid: 0, reason: "payload is empty" }),
      expect.objectContaining({ valid: 0, reason: "payload is empty" }),
      expect.objectContaining({ valid: 0, reason: "payload is not valid UTF-8" }),
    ]);
  });

  it("takes the event from the payload when argv has none", () => {
    expect(hook(undefined, JSON.stringify(payloadOf("Stop"))).code).toBe(0);
    expect(rows()).toEqual([expect.objectContaining({ event: "Stop", valid: 1 })]);
  });

  it("reads a 6 MB payload whole and stores it shrunken", () => {
    const big = JSON.stringify(
      payloadOf("PostToolUse", {
        tool_name: "Read",
        tool_input: { file_path: "/x" },
        tool_response: { file: "y".repeat(6e6) },
      }),
    );
    expect(hook("PostToolUse", big)).toMatchObject({ code: 0, stderr: "" });
    const [row] = rows() as { payload: string; valid: number }[];
    expect(row?.valid).toBe(1);
    expect(JSON.parse(row!.payload)).toMatchObject({ tool_name: "Read", ccm_truncated_bytes: big.length });
  });

  it("never blocks the agent when the database is missing or unusable, unless fail-closed", () => {
    const missing = hook("PreToolUse", JSON.stringify(preToolUse()), { CCM_DB: join(dir, "nope", "ccm.db") });
    expect(missing).toMatchObject({ code: 0, stdout: "" });
    expect(missing.stderr).toContain(`event not stored: no database at ${join(dir, "nope", "ccm.db")}`);
    expect(hook("PreToolUse", JSON.stringify(preToolUse()), { CCM_DB: "" }).stderr).toContain(
      "CCM_DB is not set",
    );

    mkdirSync(join(dir, "adir"));
    expect(hook("PreToolUse", JSON.stringify(preToolUse()), { CCM_DB: join(dir, "adir") }).code).toBe(0);
    writeFileSync(join(dir, "junk.db"), "x".repeat(4096));
    const junk = hook("PreToolUse", JSON.stringify(preToolUse()), { CCM_DB: join(dir, "junk.db") });
    expect(junk.code).toBe(0);
    expect(junk.stderr).toMatch(/event not stored: .*not a database/);

    const closed = hook("PreToolUse", JSON.stringify(preToolUse()), {
      CCM_DB: join(dir, "nope.db"),
      CCM_FAIL_CLOSED: "PreToolUse",
    });
    expect(closed.code).toBe(2);
    expect(closed.stderr).toContain("ccm hook failed closed on PreToolUse: event not stored: no database at");
  });

  it("waits on a busy database (busy timeout) and then stores the event", async () => {
    const locker = new DatabaseSync(store.path);
    locker.exec("BEGIN IMMEDIATE");
    const child = spawn(process.execPath, [HOOK_ENTRY, "Stop"], {
      env: env(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end(JSON.stringify(payloadOf("Stop")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(child.exitCode).toBeNull();
    locker.exec("COMMIT");
    locker.close();
    expect(await exited).toBe(0);
    expect(rows()).toEqual([expect.objectContaining({ event: "Stop", valid: 1 })]);
  });

  it("prints the PreToolUse deny JSON for a blocking automation, exit 0", () => {
    const enabled = join(dir, "home", "automations", "enabled");
    mkdirSync(enabled, { recursive: true });
    writeFileSync(
      join(enabled, "deny"),
      "#!/bin/sh\n# ccm-events: PreToolUse(Bash)\necho 'not today' >&2\nexit 2\n",
      {
        mode: 0o755,
      },
    );
    const result = hook("PreToolUse", JSON.stringify(preToolUse()));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: "not today",
      },
    });
  });
});
