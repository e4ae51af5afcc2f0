import { describe, expect, test } from "vitest";
import type { StageRequest } from "../adapter.js";
import { createCustomAdapter } from "./adapter.js";
import { createCustomStreamParser } from "./stream-parser.js";

const TRICKY = `--help "quoted" 'single' $(rm -rf ~) \`x\`\nline two`;

function request(overrides: Partial<StageRequest> = {}): StageRequest {
  return {
    taskId: 1,
    agentId: 1,
    stage: "executing",
    prompt: TRICKY,
    cwd: "/work/repo",
    runDir: "/tmp/run",
    mode: "headless",
    readOnly: false,
    hook: { command: "/usr/bin/node", args: [] },
    env: { CCM_TASK_ID: "1" },
    ...overrides,
  };
}

describe("createCustomAdapter().launch", () => {
  test("prompt as the last argument, untouched, after the stage's extra arguments", async () => {
    const adapter = createCustomAdapter({
      name: "aider",
      command: ["aider", "--yes", "--message"],
      promptVia: "arg",
    });
    expect(adapter).toMatchObject({ kind: "custom", name: "aider" });
    expect(await adapter.launch(request({ extraArgs: ["--model", "x"] }))).toEqual({
      command: "aider",
      args: ["--yes", "--message", "--model", "x", TRICKY],
      env: { CCM_TASK_ID: "1" },
      interactive: false,
    });
  });

  test("prompt on stdin; read-only stages are told through CCM_READ_ONLY", async () => {
    const adapter = createCustomAdapter({ name: "bot", command: ["/opt/bot"], promptVia: "stdin" });
    expect(await adapter.launch(request({ readOnly: true }))).toEqual({
      command: "/opt/bot",
      args: [],
      env: { CCM_TASK_ID: "1", CCM_READ_ONLY: "1" },
      interactive: false,
      stdin: TRICKY,
    });
  });

  test("refuses what a custom agent cannot do: other modes, resuming, permission modes; and empty commands", async () => {
    const adapter = createCustomAdapter({ name: "bot", command: ["bot"], promptVia: "arg" });
    for (const overrides of [
      { mode: "interactive" },
      { resumeSessionId: "s" },
      { permissionMode: "plan" },
    ] as const) {
      await expect(adapter.launch(request(overrides)), JSON.stringify(overrides)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining('Custom agent "bot"'),
      });
    }
    expect(() => createCustomAdapter({ name: "x", command: [], promptVia: "arg" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});

describe("custom agent output and exit", () => {
  const adapter = createCustomAdapter({ name: "bot", command: ["bot"], promptVia: "arg" });

  test("every non-blank line is an output event, cut to a few KB; the first also says it is working", () => {
    const parser = adapter.createParser();
    expect(parser.parseLine("")).toEqual([]);
    expect(parser.parseLine('{"type":"result","is_error":false}')).toEqual([
      { kind: "status", status: "working" },
      { kind: "event", event: "output", payload: { line: '{"type":"result","is_error":false}' } },
    ]);
    const [long] = createCustomStreamParser().parseLine("z".repeat(100_000)).slice(1);
    expect(JSON.stringify(long).length).toBeLessThan(4_300);
  });

  test("exit 0 is success; anything else is an error with the code and stderr", () => {
    expect(adapter.finish({ code: 0, signal: null }, undefined)).toEqual({ ok: true, text: "" });
    expect(adapter.finish({ code: 3, signal: null, stderr: "fatal: no API key\n" }, undefined)).toEqual({
      ok: false,
      text: "fatal: no API key",
      error: 'Custom agent "bot" exited with code 3: fatal: no API key',
    });
    expect(adapter.finish({ code: null, signal: "SIGKILL" }, undefined).error).toBe(
      'Custom agent "bot" was ended by SIGKILL (killed: a hard timeout or out of memory)',
    );
  });
});
