import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CcmError } from "../../errors.js";
import type { StageRequest } from "../adapter.js";
import { createClaudeCodeAdapter, finishClaudeRun } from "./adapter.js";

let runDir: string;
beforeEach(async () => {
  runDir = await mkdtemp(join(tmpdir(), "ccm-claude-adapter-"));
});
afterEach(async () => {
  await rm(runDir, { recursive: true, force: true });
});

function request(overrides: Partial<StageRequest> = {}): StageRequest {
  return {
    taskId: 7,
    agentId: 3,
    stage: "executing",
    prompt: "Add rate limiting",
    cwd: "/work/repo",
    runDir,
    mode: "headless",
    readOnly: false,
    hook: { command: "/usr/bin/node", args: ["/opt/ccm/hook.js"] },
    env: { CCM_TASK_ID: "7", CCM_AGENT_ID: "3" },
    ...overrides,
  };
}

describe("createClaudeCodeAdapter().launch", () => {
  test("writes the settings through the injected function and points --settings at its file", async () => {
    const calls: [string, StageRequest][] = [];
    const adapter = createClaudeCodeAdapter({
      command: "/opt/claude",
      extraArgs: ["--model", "sonnet"],
      writeSettings: async (dir, req) => {
        calls.push([dir, req]);
        return join(dir, "claude-settings.json");
      },
    });
    const req = request({ permissionMode: "bypassPermissions", extraArgs: ["--effort", "high"] });
    const spec = await adapter.launch(req);

    expect(calls).toEqual([[runDir, req]]);
    expect(spec).toEqual({
      command: "/opt/claude",
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--settings",
        join(runDir, "claude-settings.json"),
        "--permission-mode",
        "bypassPermissions",
        "--model",
        "sonnet",
        "--effort",
        "high",
        "--",
        "Add rate limiting",
      ],
      env: { CCM_TASK_ID: "7", CCM_AGENT_ID: "3" },
      interactive: false,
    });
  });

  test("read-only stages use plan; interactive runs get the TUI and the prompt to type", async () => {
    const adapter = createClaudeCodeAdapter({ writeSettings: async (dir) => join(dir, "s.json") });
    const planning = await adapter.launch(request({ readOnly: true, permissionMode: "bypassPermissions" }));
    expect(planning.args.slice(6, 8)).toEqual(["--permission-mode", "plan"]);

    const tui = await adapter.launch(request({ mode: "interactive" }));
    expect(tui).toMatchObject({ command: "claude", interactive: true, initialInput: "Add rate limiting" });
    expect(tui.args).toEqual(["--settings", join(runDir, "s.json")]);
  });

  test("refuses reserved flags in config (at creation) and in a stage's extra arguments", async () => {
    const writeSettings = async () => "/x";
    expect(() => createClaudeCodeAdapter({ writeSettings, extraArgs: ["--settings", "/mine.json"] })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("--settings") }),
    );
    expect(() => createClaudeCodeAdapter({ writeSettings, extraArgs: ["--output-format=text"] })).toThrow(
      CcmError,
    );
    const adapter = createClaudeCodeAdapter({ writeSettings });
    await expect(adapter.launch(request({ extraArgs: ["--bare"] }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(adapter.launch(request({ extraArgs: ["-r", "abc"] }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  test("refuses an empty prompt and an unknown permission mode before writing anything", async () => {
    let writes = 0;
    const adapter = createClaudeCodeAdapter({
      writeSettings: async () => {
        writes += 1;
        return "/x";
      },
    });
    await expect(adapter.launch(request({ prompt: " \n\t" }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(adapter.launch(request({ permissionMode: "root" }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(writes).toBe(0);
  });
});

describe("finishClaudeRun", () => {
  const success = { ok: true, text: "done", sessionId: "s1", numTurns: 2 };
  const failure = { ok: false, text: "API Error", error: "Claude Code ended the turn with an error" };

  test("a clean exit keeps the result line's verdict", () => {
    expect(finishClaudeRun({ code: 0, signal: null }, success)).toBe(success);
    expect(finishClaudeRun({ code: 1, signal: null }, failure)).toBe(failure);
  });

  test("no result line and a non-zero exit: the error names the code and quotes stderr", () => {
    expect(
      finishClaudeRun(
        {
          code: 1,
          signal: null,
          stderr: "error: option '--permission-mode <mode>' argument 'x' is invalid. Allowed choices are …\n",
        },
        undefined,
      ),
    ).toEqual({
      ok: false,
      text: "error: option '--permission-mode <mode>' argument 'x' is invalid. Allowed choices are …",
      error:
        "Claude Code exited with code 1 before reporting a result: error: option '--permission-mode <mode>' argument 'x' is invalid. Allowed choices are …",
    });
  });

  test("SIGTERM, as a signal or as exit code 143, is named", () => {
    expect(finishClaudeRun({ code: 143, signal: null }, undefined).error).toBe(
      "Claude Code was ended by SIGTERM (exit 143; stopped from outside: a timeout, a cancel or a shutdown) before reporting a result",
    );
    expect(finishClaudeRun({ code: null, signal: "SIGKILL" }, undefined).error).toBe(
      "Claude Code was ended by SIGKILL (killed: a hard timeout or out of memory) before reporting a result",
    );
  });

  test("a clean exit without a result line is still a failure", () => {
    expect(finishClaudeRun({ code: 0, signal: null }, undefined)).toMatchObject({ ok: false });
  });

  test("a successful result followed by a failed exit is a failure that keeps the result's data", () => {
    expect(finishClaudeRun({ code: 143, signal: null }, success)).toEqual({
      ...success,
      ok: false,
      error:
        "Claude Code was ended by SIGTERM (exit 143; stopped from outside: a timeout, a cancel or a shutdown) after reporting success",
    });
  });
});
