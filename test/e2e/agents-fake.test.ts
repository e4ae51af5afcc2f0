import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { AgentAdapter, AgentResult, StageRequest, StreamUpdate } from "../../src/agents/adapter.js";
import { createClaudeCodeAdapter } from "../../src/agents/claude-code/adapter.js";
import { createCustomAdapter } from "../../src/agents/custom/adapter.js";
import { createGeminiCliAdapter } from "../../src/agents/gemini-cli/adapter.js";
import { mapGeminiHookEvent } from "../../src/agents/gemini-cli/hooks.js";
import { createClaudeHarness } from "../fixtures/claude-harness.js";
import { createGeminiHarness } from "../fixtures/gemini-harness.js";
import { createTempRepo } from "../fixtures/git-repo.js";
import { HOOK_RECORDER, recorderSettings } from "../fixtures/hook-settings.js";
import { type AgentRun, runLaunchSpec } from "../fixtures/run-agent.js";

// Each adapter end to end: launch() → the fake agent on a real repository → parser → finish().

const TIMEOUT = 60_000;
const TRICKY = `--not-a-flag "double" 'single' $HOME \`date\`\n  second line; rm -rf /`;

function outcome(adapter: AgentAdapter, run: AgentRun): { updates: StreamUpdate[]; result: AgentResult } {
  const parser = adapter.createParser();
  const updates = run.lines.flatMap((line) => parser.parseLine(line));
  let last: AgentResult | undefined;
  for (const update of updates) if (update.kind === "result") last = update.result;
  return {
    updates,
    result: adapter.finish({ code: run.exitCode, signal: run.signal, stderr: run.stderr }, last),
  };
}

const claudeAdapter = () => createClaudeCodeAdapter({ writeSettings: async () => "unused" });

describe("claude-code adapter with the fake claude", () => {
  test("runs exec-form and shell-form hooks with the documented stdin, and the task's environment", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createClaudeHarness();
    const steps = [{ write: { path: "notes/a.txt", content: "a\n" } }, { text: "written" }];
    const { run, hooks, req } = await harness.run({
      agent: "fake",
      prompt: TRICKY,
      permissionMode: "acceptEdits",
      agentScript: steps,
      env: { CCM_TASK_ID: "7" },
      settings: (dir, recordFile) => {
        const recorded = recorderSettings([
          "SessionStart",
          "UserPromptSubmit",
          "PreToolUse",
          "PostToolUse",
          "Stop",
          "SessionEnd",
        ]);
        // The string form goes through sh -c; it copies its stdin next to the recorder's file.
        recorded.hooks.Stop!.push({
          hooks: [{ type: "command", command: `cat > '${join(dir, "stop.json")}'` }],
        });
        return { ...recorded, recordFile };
      },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await readFile(join(harness.repo.dir, "notes/a.txt"), "utf8")).toBe("a\n");
    expect(hooks.map((h) => h.event)).toEqual([
      "SessionStart",
      "UserPromptSubmit",
      "PreToolUse",
      "PostToolUse",
      "Stop",
      "SessionEnd",
    ]);
    expect(hooks[1]?.input).toMatchObject({ prompt: TRICKY, permission_mode: "acceptEdits" });
    expect(hooks[2]?.input).toMatchObject({
      tool_name: "Write",
      tool_input: { file_path: join(harness.repo.dir, "notes/a.txt"), content: "a\n" },
    });
    for (const record of hooks) expect(record.env?.CCM_TASK_ID, record.event).toBe("7");
    const stop = JSON.parse(await readFile(join(req.runDir, "stop.json"), "utf8"));
    expect(stop).toMatchObject({
      hook_event_name: "Stop",
      last_assistant_message: "written",
      stop_hook_active: false,
    });

    expect(outcome(claudeAdapter(), run).result).toMatchObject({ ok: true, text: "written", numTurns: 2 });
  });

  test("a PreToolUse exit 2 skips the step and reports an error tool_result", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createClaudeHarness();
    const { run, hooks } = await harness.run({
      agent: "fake",
      prompt: "commit",
      permissionMode: "bypassPermissions",
      agentScript: [{ bash: "touch made.txt && git add made.txt && git commit -qm made" }, { text: "tried" }],
      hookOptions: { block: { PreToolUse: { matcher: "Bash", reason: "no commits here" } } },
    });
    expect(existsSync(join(harness.repo.dir, "made.txt"))).toBe(false);
    expect(hooks.map((h) => h.event)).not.toContain("PostToolUse");
    const { updates, result } = outcome(claudeAdapter(), run);
    expect(updates).toContainEqual({
      kind: "event",
      event: "tool_result",
      tool: "Bash",
      payload: { id: expect.any(String), isError: true, content: expect.stringMatching(/no commits here$/) },
    });
    expect(result).toMatchObject({ ok: true, text: "tried" });
  });

  test("a long prompt travels on stdin intact", { timeout: TIMEOUT }, async () => {
    await using harness = await createClaudeHarness();
    const prompt = `${TRICKY}\n${"long line ".repeat(200)}`;
    const { run, spec, hooks } = await harness.run({ agent: "fake", prompt, maxPromptArgBytes: 256 });
    expect(spec.stdin).toBe(prompt);
    expect(spec.args).not.toContain(prompt);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(hooks.find((h) => h.event === "UserPromptSubmit")?.input.prompt).toBe(prompt);
  });

  test("killed mid-turn: exit 143, SessionEnd still runs, finish names SIGTERM", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createClaudeHarness();
    const { run, hooks } = await harness.run({
      agent: "fake",
      prompt: "wait",
      agentScript: [{ text: "thinking" }, { sleep: 20_000 }, { text: "never" }],
      killAfterMs: 1_500,
    });
    expect(run.exitCode).toBe(143);
    expect(hooks.at(-1)?.event).toBe("SessionEnd");
    expect(outcome(claudeAdapter(), run).result).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^Claude Code was ended by SIGTERM \(exit 143; .*\) before reporting a result$/,
      ),
    });
  });

  test("an agent that dies without a result is an error naming its exit code and stderr", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createClaudeHarness();
    const { run } = await harness.run({
      agent: "fake",
      prompt: "crash",
      agentScript: [{ text: "starting" }, { stderr: "Error: out of cheese" }, { exit: 3 }],
    });
    expect(outcome(claudeAdapter(), run).result).toEqual({
      ok: false,
      text: "Error: out of cheese",
      error: "Claude Code exited with code 3 before reporting a result: Error: out of cheese",
    });
  });

  test("interactive: the TUI stand-in takes the typed prompt; Stop ends the turn, /exit the session", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createClaudeHarness();
    const adapter = createClaudeCodeAdapter({
      command: (await import("../fixtures/fake-agents/paths.js")).FAKE_CLAUDE,
      writeSettings: async (dir) => {
        const { writeSettings } = await import("../fixtures/hook-settings.js");
        return writeSettings(
          join(dir, "settings.json"),
          recorderSettings(["SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"]),
        );
      },
    });
    const runDir = join(harness.sandbox.root);
    const recordFile = join(runDir, "tui-hooks.jsonl");
    const req: StageRequest = {
      taskId: 1,
      agentId: 1,
      stage: "executing",
      prompt: "write the file",
      cwd: harness.repo.dir,
      runDir,
      mode: "interactive",
      readOnly: false,
      hook: { command: process.execPath, args: [] },
      env: { HOOK_RECORD_FILE: recordFile },
    };
    const spec = await adapter.launch(req);
    expect(spec).toMatchObject({ interactive: true, initialInput: "write the file" });
    // What tmux send-keys would type: the prompt, Enter, then /exit.
    const run = await runLaunchSpec(
      { ...spec, stdin: `${spec.initialInput}\n/exit\n` },
      {
        cwd: harness.repo.dir,
        env: {
          ...harness.sandbox.env,
          PATH: `${process.execPath.replace(/\/node$/, "")}:${harness.sandbox.env.PATH}`,
        },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const { readHookRecords } = await import("../fixtures/hook-settings.js");
    const hooks = await readHookRecords(recordFile);
    expect(hooks.map((h) => [h.event, h.input.reason ?? h.input.prompt ?? h.input.source ?? null])).toEqual([
      ["SessionStart", "startup"],
      ["UserPromptSubmit", "write the file"],
      ["Stop", null],
      ["SessionEnd", "prompt_input_exit"],
    ]);
  });
});

describe("gemini-cli adapter with the fake gemini", () => {
  const steps = [
    { text: "I will write and commit." },
    { write: { path: "hello.txt", content: "hello\n" } },
    { bash: "git add hello.txt && git commit -qm 'Add hello.txt'" },
    { text: "done" },
  ];

  test("a headless run: hooks through the run's settings file, mapped to our events, with the task's env", {
    timeout: TIMEOUT,
  }, async () => {
    await using harness = await createGeminiHarness();
    const { run, hooks, spec } = await harness.run({
      prompt: TRICKY,
      permissionMode: "bypassPermissions",
      agentScript: steps,
      // Like GitHub Actions: Gemini scrubs the hook environment, so the CCM variables must come from the
      // hook's own env in the settings file.
      agentEnv: { GITHUB_SHA: "0123456789abcdef" },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(spec.args.slice(0, 3)).toEqual([`--prompt=${TRICKY}`, "-o", "stream-json"]);
    expect(await harness.repo.git("log", "-1", "--format=%s")).toBe("Add hello.txt");

    expect(hooks.map((h) => h.event)).toEqual([
      "SessionStart",
      "UserPromptSubmit",
      "PreToolUse",
      "PostToolUse",
      "PreToolUse",
      "PostToolUse",
      "Stop",
      "SessionEnd",
    ]);
    for (const record of hooks) {
      expect(mapGeminiHookEvent(String(record.input.hook_event_name))).toBe(record.event);
      expect(record.env).toMatchObject({ CCM_TASK_ID: "42", CCM_HOOK_AGENT: "gemini-cli" });
      expect(record.projectDir).toBe(harness.repo.dir);
    }
    expect(hooks[1]?.input).toMatchObject({ hook_event_name: "BeforeAgent", prompt: TRICKY });
    expect(hooks[2]?.input).toMatchObject({ hook_event_name: "BeforeTool", tool_name: "write_file" });
    expect(hooks[6]?.input).toMatchObject({ hook_event_name: "AfterAgent", prompt_response: "done" });

    const adapter = createGeminiCliAdapter();
    const { updates, result } = outcome(adapter, run);
    expect(result).toMatchObject({ ok: true, text: "done", sessionId: expect.any(String) });
    expect(
      updates.filter((u) => u.kind === "event").map((u) => (u.kind === "event" ? [u.event, u.tool] : [])),
    ).toEqual([
      ["tool_use", "write_file"],
      ["tool_result", "write_file"],
      ["tool_use", "run_shell_command"],
      ["tool_result", "run_shell_command"],
    ]);
  });

  test("a BeforeTool hook exiting 2 blocks the tool", { timeout: TIMEOUT }, async () => {
    await using harness = await createGeminiHarness();
    const { run } = await harness.run({
      prompt: "write",
      permissionMode: "yolo",
      agentScript: [{ write: { path: "blocked.txt", content: "x" } }, { text: "ok" }],
      env: { HOOK_BLOCK_EVENT: "PreToolUse", HOOK_BLOCK_REASON: "read-only zone" },
    });
    expect(existsSync(join(harness.repo.dir, "blocked.txt"))).toBe(false);
    const { updates } = outcome(createGeminiCliAdapter(), run);
    expect(updates).toContainEqual({
      kind: "event",
      event: "tool_result",
      tool: "write_file",
      payload: { id: expect.any(String), isError: true, content: expect.stringContaining("read-only zone") },
    });
  });

  test("read-only stages run in plan mode and cannot write", { timeout: TIMEOUT }, async () => {
    await using harness = await createGeminiHarness();
    const { run, spec } = await harness.run({
      prompt: "plan",
      permissionMode: "yolo",
      readOnly: true,
      agentScript: [{ write: { path: "plan.txt", content: "x" } }, { text: "planned" }],
    });
    expect(spec.args).toContain("plan");
    expect(existsSync(join(harness.repo.dir, "plan.txt"))).toBe(false);
    expect(outcome(createGeminiCliAdapter(), run).result).toMatchObject({ ok: true, text: "planned" });
  });

  test("a follow-up resumes the session; a long prompt goes on stdin", { timeout: TIMEOUT }, async () => {
    await using harness = await createGeminiHarness();
    const first = await harness.run({
      prompt: "one",
      agentScript: { runs: [[{ text: "first" }], [{ text: "second" }]] },
    });
    const sessionId = outcome(createGeminiCliAdapter(), first.run).result.sessionId;
    expect(sessionId).toBeDefined();
    const prompt = `${TRICKY}\n${"more ".repeat(100)}`;
    const second = await harness.run({
      prompt,
      mode: "hybrid",
      resumeSessionId: sessionId!,
      maxPromptArgBytes: 100,
      agentScript: { runs: [[{ text: "first" }], [{ text: "second" }]] },
    });
    expect(second.spec.stdin).toBe(prompt);
    expect(second.hooks[0]?.input).toMatchObject({ hook_event_name: "SessionStart", source: "resume" });
    expect(second.hooks[1]?.input.prompt).toBe(prompt);
    expect(outcome(createGeminiCliAdapter(), second.run).result).toMatchObject({
      ok: true,
      text: "second",
      sessionId,
    });
  });

  test("without authentication: exit 41, told as what to do", { timeout: TIMEOUT }, async () => {
    await using harness = await createGeminiHarness();
    const { run } = await harness.run({ prompt: "hi", agentEnv: { GEMINI_API_KEY: undefined } });
    expect(run.exitCode).toBe(41);
    expect(outcome(createGeminiCliAdapter(), run).result.error).toMatch(
      /^Gemini CLI is not authenticated \(exit 41\): set GEMINI_API_KEY/,
    );
  });
});

describe("custom adapter with a real program", () => {
  // A stand-in CLI: writes the prompt it got (last argument or stdin) to a file, prints two lines, exits.
  const program = [
    process.execPath,
    "-e",
    `const fs = require("node:fs");
     const fromStdin = process.argv.includes("--stdin");
     const prompt = fromStdin ? fs.readFileSync(0, "utf8") : process.argv.at(-1);
     fs.writeFileSync("prompt.txt", prompt);
     console.log("working on it");
     console.log("task " + process.env.CCM_TASK_ID);
     process.exit(prompt.includes("fail") ? 4 : 0);`,
    // Like any CLI taking the prompt as an argument: "--" keeps a prompt starting with "-" from being an option.
    "--",
  ];
  const request = (dir: string, prompt: string): StageRequest => ({
    taskId: 5,
    agentId: 1,
    stage: "executing",
    prompt,
    cwd: dir,
    runDir: dir,
    mode: "headless",
    readOnly: false,
    hook: { command: process.execPath, args: [] },
    env: { CCM_TASK_ID: "5" },
  });

  test.each(["arg", "stdin"] as const)("prompt via %s arrives byte for byte; output lines are events", {
    timeout: TIMEOUT,
  }, async (via) => {
    await using repo = await createTempRepo();
    const adapter = createCustomAdapter({
      name: "echoer",
      command: via === "arg" ? program : [...program, "--stdin"],
      promptVia: via,
    });
    const spec = await adapter.launch(request(repo.dir, TRICKY));
    const run = await runLaunchSpec(spec, { cwd: repo.dir, env: { PATH: process.env.PATH ?? "" } });
    expect(await readFile(join(repo.dir, "prompt.txt"), "utf8")).toBe(TRICKY);
    const { updates, result } = outcome(adapter, run);
    expect(updates).toEqual([
      { kind: "status", status: "working" },
      { kind: "event", event: "output", payload: { line: "working on it" } },
      { kind: "event", event: "output", payload: { line: "task 5" } },
    ]);
    expect(result).toEqual({ ok: true, text: "" });
  });

  test("a non-zero exit is an error with the code", { timeout: TIMEOUT }, async () => {
    await using repo = await createTempRepo();
    const adapter = createCustomAdapter({ name: "echoer", command: program, promptVia: "arg" });
    const run = await runLaunchSpec(await adapter.launch(request(repo.dir, "please fail")), {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(outcome(adapter, run).result).toEqual({
      ok: false,
      text: "",
      error: 'Custom agent "echoer" exited with code 4',
    });
  });
});

test("the recorder fixture is where the harnesses expect it", () => {
  expect(existsSync(HOOK_RECORDER)).toBe(true);
});
