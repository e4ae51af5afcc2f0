import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { StageRequest } from "../adapter.js";
import { createGeminiCliAdapter, finishGeminiRun } from "./adapter.js";

let runDir: string;
beforeEach(async () => {
  runDir = await mkdtemp(join(tmpdir(), "ccm-gemini-adapter-"));
});
afterEach(async () => {
  await rm(runDir, { recursive: true, force: true });
});

function request(overrides: Partial<StageRequest> = {}): StageRequest {
  return {
    taskId: 2,
    agentId: 9,
    stage: "executing",
    prompt: "Add a README",
    cwd: "/work/repo",
    runDir,
    mode: "headless",
    readOnly: false,
    hook: { command: "/usr/bin/node", args: ["/opt/ccm/hook.js"] },
    env: { CCM_TASK_ID: "2" },
    ...overrides,
  };
}

describe("createGeminiCliAdapter().launch", () => {
  test("points Gemini at the run's own home (settings with ccm's hooks) through GEMINI_CLI_HOME", async () => {
    const adapter = createGeminiCliAdapter({
      command: "/opt/gemini",
      extraArgs: ["-m", "flash"],
      userHome: join(runDir, "user-home"),
    });
    const spec = await adapter.launch(request({ permissionMode: "acceptEdits" }));
    expect(spec).toEqual({
      command: "/opt/gemini",
      args: [
        "--prompt=Add a README",
        "-o",
        "stream-json",
        "--approval-mode",
        "auto_edit",
        "--skip-trust",
        "-m",
        "flash",
      ],
      env: { CCM_TASK_ID: "2", GEMINI_CLI_HOME: join(runDir, "gemini-home") },
      interactive: false,
    });
  });

  test("refuses reserved flags, unknown modes and empty prompts", async () => {
    expect(() => createGeminiCliAdapter({ extraArgs: ["--yolo"] })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
    const adapter = createGeminiCliAdapter({ userHome: join(runDir, "user-home") });
    await expect(adapter.launch(request({ extraArgs: ["-o", "json"] }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(adapter.launch(request({ permissionMode: "dontAsk" }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(adapter.launch(request({ prompt: "" }))).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("finishGeminiRun", () => {
  test("exit codes become errors that say what to do", () => {
    expect(
      finishGeminiRun(
        {
          code: 41,
          signal: null,
          stderr: "Please set an Auth method in your /home/u/.gemini/settings.json or specify one of …\n",
        },
        undefined,
      ),
    ).toEqual({
      ok: false,
      text: "Please set an Auth method in your /home/u/.gemini/settings.json or specify one of …",
      error:
        "Gemini CLI is not authenticated (exit 41): set GEMINI_API_KEY (or the Vertex AI / Code Assist variables) in the daemon's environment, or run `gemini` once to log in: Please set an Auth method in your /home/u/.gemini/settings.json or specify one of …",
    });
    expect(finishGeminiRun({ code: 55, signal: null }, undefined).error).toMatch(
      /^Gemini CLI refused to run in an untrusted folder \(exit 55\)/,
    );
  });

  test("an unknown code or a signal is described plainly, with stderr", () => {
    expect(
      finishGeminiRun({ code: 1, signal: null, stderr: "Unknown argument: frob\nUsage: …" }, undefined).error,
    ).toBe("Gemini CLI exited with code 1: Unknown argument: frob");
    expect(finishGeminiRun({ code: null, signal: "SIGTERM" }, undefined).error).toBe(
      "Gemini CLI was ended by SIGTERM (stopped from outside: a timeout, a cancel or a shutdown)",
    );
  });

  test("a clean exit keeps the result; a failed result keeps its own message next to the code's", () => {
    const ok = { ok: true, text: "done", sessionId: "s" };
    expect(finishGeminiRun({ code: 0, signal: null }, ok)).toBe(ok);
    expect(
      finishGeminiRun(
        { code: 53, signal: null },
        { ok: false, text: "x", sessionId: "s", error: "Gemini CLI failed: Reached max session turns." },
      ),
    ).toEqual({
      ok: false,
      text: "x",
      sessionId: "s",
      error: "Gemini CLI reached its turn limit, model.maxSessionTurns (exit 53): Reached max session turns.",
    });
    expect(finishGeminiRun({ code: 0, signal: null }, undefined)).toMatchObject({ ok: false });
  });
});
