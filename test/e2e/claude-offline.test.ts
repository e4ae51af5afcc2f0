import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type ClaudeSandbox, createClaudeSandbox } from "../fixtures/claude-env.js";
import { type Script, startFakeAnthropic, toolResultsOf } from "../fixtures/fake-anthropic/server.js";
import { createTempRepo } from "../fixtures/git-repo.js";
import {
  HOOK_RECORD_FILE_ENV,
  type HookRecord,
  type RecorderSettingsOptions,
  readHookRecords,
  recorderSettings,
  writeSettings,
} from "../fixtures/hook-settings.js";
import { findMarkedProcesses } from "../fixtures/process-sweep.js";
import { type ClaudeRun, runClaude, type StreamLine } from "../fixtures/run-claude.js";

// The real Claude Code CLI against a scripted local Messages API: real Bash tool, real git, real hooks.

const HOOK_EVENTS = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"];
const PROMPT = "Add hello.txt and commit it";
const COMMIT_COMMAND = "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -m 'Add hello.txt'";
const BLOCK_REASON = "ccm policy: commits are frozen in this test";
/** Hard limit for one CLI run; well under the test timeout so a hang is killed and reported, not stalled. */
const RUN_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const COMMIT_THEN_DONE: Script = [
  [
    { type: "text", text: "I will add the file and commit it." },
    {
      type: "tool_use",
      name: "Bash",
      input: { command: COMMIT_COMMAND, description: "Create and commit hello.txt" },
    },
  ],
  [{ type: "text", text: "done" }],
];

interface Outcome {
  readonly run: ClaudeRun;
  readonly hooks: HookRecord[];
}

async function runPrint(
  sandbox: ClaudeSandbox,
  cwd: string,
  hookOptions: RecorderSettingsOptions = {},
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<Outcome> {
  const recordFile = join(sandbox.root, "hooks.jsonl");
  const settings = await writeSettings(
    join(sandbox.root, "settings.json"),
    recorderSettings(HOOK_EVENTS, hookOptions),
  );
  const run = await runClaude({
    cwd,
    env: { ...sandbox.env, [HOOK_RECORD_FILE_ENV]: recordFile },
    timeoutMs,
    args: [
      "-p",
      PROMPT,
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "bypassPermissions",
      "--settings",
      settings,
    ],
  });
  return { run, hooks: await readHookRecords(recordFile) };
}

function describeRun(run: ClaudeRun): string {
  return `exit=${run.exitCode} signal=${run.signal} timedOut=${run.timedOut}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`;
}

function find(lines: readonly StreamLine[], type: string, subtype?: string): StreamLine {
  const line = lines.find((l) => l.type === type && (subtype === undefined || l.subtype === subtype));
  if (line === undefined) throw new Error(`no ${type}/${subtype ?? "*"} line in stream-json output`);
  return line;
}

function hook(hooks: readonly HookRecord[], event: string): HookRecord["input"] {
  const record = hooks.find((h) => h.event === event);
  if (record === undefined)
    throw new Error(`hook ${event} never ran; saw ${hooks.map((h) => h.event).join(", ")}`);
  return record.input;
}

describe("Claude Code CLI offline against the fake Messages API", () => {
  test(
    "a two-turn -p run commits through the Bash tool and fires every hook with its documented fields",
    async () => {
      await using fake = await startFakeAnthropic(COMMIT_THEN_DONE);
      await using repo = await createTempRepo();
      await using sandbox = await createClaudeSandbox({ baseUrl: fake.url });

      const { run, hooks } = await runPrint(sandbox, repo.dir);

      expect(run.timedOut, describeRun(run)).toBe(false);
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(run.unparsed).toEqual([]);

      const init = find(run.lines, "system", "init");
      expect(init.session_id).toMatch(UUID);
      expect(init).toMatchObject({
        cwd: repo.dir,
        permissionMode: "bypassPermissions",
        claude_code_version: "2.1.330",
      });
      const result = run.lines.at(-1);
      expect(result).toMatchObject({
        type: "result",
        subtype: "success",
        is_error: false,
        result: "done",
        num_turns: 2,
        session_id: init.session_id,
      });

      // The commit is real: made by the CLI's Bash tool, in this repository.
      expect(await repo.git("log", "-1", "--format=%s")).toBe("Add hello.txt");
      expect(await repo.git("rev-list", "--count", "HEAD")).toBe("2");
      expect(await repo.git("show", "--name-only", "--format=", "HEAD")).toBe("hello.txt");

      // Hooks ran in lifecycle order, each with the common fields and its event's own.
      const order = hooks.map((h) => h.event);
      expect(order).toEqual([
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "Stop",
        "SessionEnd",
      ]);
      for (const record of hooks) {
        expect(record.input, record.event).toMatchObject({
          session_id: init.session_id,
          cwd: repo.dir,
          hook_event_name: record.event,
          transcript_path: expect.stringContaining(sandbox.configDir),
        });
        expect(record.projectDir).toBe(repo.dir);
      }
      expect(hook(hooks, "SessionStart")).toMatchObject({ source: "startup" });
      expect(hook(hooks, "UserPromptSubmit")).toMatchObject({ prompt: PROMPT });
      const toolCall = { tool_name: "Bash", tool_input: { command: COMMIT_COMMAND } };
      const pre = hook(hooks, "PreToolUse");
      expect(pre).toMatchObject({ ...toolCall, permission_mode: "bypassPermissions" });
      expect(hook(hooks, "PostToolUse")).toMatchObject({
        ...toolCall,
        tool_use_id: pre.tool_use_id,
        tool_response: { interrupted: false },
      });
      expect(hook(hooks, "Stop")).toMatchObject({ stop_hook_active: false, last_assistant_message: "done" });

      // The fake answered exactly the two scripted turns; the second carried the tool's real output.
      const turns = fake.turnRequests();
      expect(turns.map((r) => r.turn)).toEqual([0, 1]);
      const [toolResult] = toolResultsOf(turns[1]!.body!);
      expect(toolResult).toMatchObject({ tool_use_id: pre.tool_use_id, is_error: false });
      expect(toolResult?.text).toContain("Add hello.txt");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a PreToolUse hook exiting 2 blocks the tool and its stderr reaches the model as an error tool_result",
    async () => {
      await using fake = await startFakeAnthropic(COMMIT_THEN_DONE);
      await using repo = await createTempRepo();
      await using sandbox = await createClaudeSandbox({ baseUrl: fake.url });

      const { run, hooks } = await runPrint(sandbox, repo.dir, {
        block: { PreToolUse: { matcher: "Bash", reason: BLOCK_REASON } },
      });

      expect(run.timedOut, describeRun(run)).toBe(false);
      expect(run.exitCode, describeRun(run)).toBe(0);
      // Observed in 2.1.330: a hook block is also listed as a permission denial in the result.
      expect(run.lines.at(-1)).toMatchObject({
        type: "result",
        is_error: false,
        result: "done",
        permission_denials: [{ tool_name: "Bash", tool_input: { command: COMMIT_COMMAND } }],
      });

      // The tool never ran: no commit, no file, no PostToolUse.
      expect(await repo.git("rev-list", "--count", "HEAD")).toBe("1");
      expect(existsSync(join(repo.dir, "hello.txt"))).toBe(false);
      const events = hooks.map((h) => h.event);
      expect(events).toContain("PreToolUse");
      expect(events).not.toContain("PostToolUse");

      const turns = fake.turnRequests();
      expect(turns.map((r) => r.turn)).toEqual([0, 1]);
      const results = toolResultsOf(turns[1]!.body!);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        tool_use_id: hook(hooks, "PreToolUse").tool_use_id,
        is_error: true,
      });
      expect(results[0]?.text).toContain(BLOCK_REASON);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a run that asks for more turns than were scripted fails fast instead of hanging",
    async () => {
      await using fake = await startFakeAnthropic(COMMIT_THEN_DONE.slice(0, 1));
      await using repo = await createTempRepo();
      await using sandbox = await createClaudeSandbox({ baseUrl: fake.url });

      const { run } = await runPrint(sandbox, repo.dir);

      expect(run.timedOut, describeRun(run)).toBe(false);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.lines.at(-1)).toMatchObject({ type: "result", is_error: true });
      expect(JSON.stringify(run.lines.at(-1))).toContain("fake-anthropic: the script has 1 turn(s)");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a hung run is killed at the hard timeout and leaves no process behind",
    async () => {
      // Turn 1 leaves a job in a session of its own, which the CLI's own cleanup on SIGTERM cannot reach
      // (a plain `cmd &` it does kill); turn 2 never arrives.
      const straggler = "setsid -f sleep 300 > /dev/null 2>&1";
      await using fake = await startFakeAnthropic([
        [{ type: "tool_use", name: "Bash", input: { command: straggler, description: "Start a stray job" } }],
        { blocks: [{ type: "text", text: "too late" }], delayMs: 120_000 },
      ]);
      await using repo = await createTempRepo();
      await using sandbox = await createClaudeSandbox({ baseUrl: fake.url });

      const { run } = await runPrint(sandbox, repo.dir, {}, 3_000);

      expect(run.timedOut, describeRun(run)).toBe(true);
      expect(run.durationMs).toBeLessThan(10_000);
      expect(fake.turnRequests().map((r) => r.turn)).toEqual([0, 1]);
      expect(run.swept, "the stray job, found by the run marker").toHaveLength(1);
      await expect.poll(() => findMarkedProcesses(run.marker), { timeout: 2_000 }).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
