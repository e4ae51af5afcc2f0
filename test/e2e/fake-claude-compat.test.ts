import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { StreamUpdate } from "../../src/agents/adapter.js";
import { createClaudeStreamParser } from "../../src/agents/claude-code/stream-parser.js";
import { claudeBinary } from "../fixtures/claude-env.js";
import { createClaudeHarness, type HarnessRun, type HarnessRunOptions } from "../fixtures/claude-harness.js";
import {
  COMMIT_THEN_DONE_API,
  COMMIT_THEN_DONE_STEPS,
  PROMPT,
  readCaptured,
} from "../fixtures/claude-stream/scenarios.js";
import { FAKE_CLAUDE } from "../fixtures/fake-agents/paths.js";
import type { Script } from "../fixtures/fake-anthropic/server.js";
import { type AgentRun, runLaunchSpec } from "../fixtures/run-agent.js";

// The fake `claude` exists because the real one needs a scripted model. These tests run both on the same
// task, through the same adapter, settings and environment, and require the same observable behaviour:
// stream-json line types in order, the parsed updates, the hooks that ran and the fields they were given.

const TIMEOUT = 90_000;

type Side = { run: HarnessRun; repoLog: string };

async function both(
  apiScript: Script,
  steps: unknown,
  options: Omit<HarnessRunOptions, "agent" | "agentScript">,
  followUp?: Omit<HarnessRunOptions, "agent" | "agentScript" | "resumeSessionId">,
): Promise<{ real: Side[]; fake: Side[] }> {
  const out = { real: [] as Side[], fake: [] as Side[] };
  for (const agent of ["real", "fake"] as const) {
    await using harness = await createClaudeHarness(apiScript);
    const first = await harness.run({ agent, agentScript: steps, ...options });
    out[agent].push({ run: first, repoLog: await harness.repo.git("log", "--format=%s") });
    if (followUp !== undefined) {
      const sessionId = sessionOf(first);
      const second = await harness.run({
        agent,
        agentScript: steps,
        resumeSessionId: sessionId,
        ...followUp,
      });
      out[agent].push({ run: second, repoLog: await harness.repo.git("log", "--format=%s") });
    }
  }
  return out;
}

function sessionOf(run: HarnessRun): string {
  const result = JSON.parse(run.run.lines.at(-1) ?? "{}") as { session_id?: string };
  if (result.session_id === undefined) throw new Error(`no result line:\n${show(run.run)}`);
  return result.session_id;
}

function show(run: AgentRun): string {
  return `exit=${run.exitCode} signal=${run.signal}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`;
}

function lineTypes(run: HarnessRun): string[] {
  return run.run.lines.map((line) => {
    const json = JSON.parse(line) as { type: string; subtype?: string };
    return json.subtype === undefined ? json.type : `${json.type}/${json.subtype}`;
  });
}

const SHA = /\b[0-9a-f]{7,40}\b/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Parsed updates with the values that differ by nature (ids, shas, timings) masked. */
function updates(run: HarnessRun): unknown[] {
  const parser = createClaudeStreamParser();
  const all: StreamUpdate[] = run.run.lines.flatMap((line) => parser.parseLine(line));
  return JSON.parse(
    JSON.stringify(all)
      .replace(/"(id|sessionId)":"[^"]*"/g, '"$1":"<id>"')
      .replace(SHA, "<sha>"),
  ) as unknown[];
}

/** The hooks that ran, with their input's field names and the values that must agree. */
function hooks(run: HarnessRun, root: string): unknown[] {
  return run.hooks.map((record) => {
    const input = record.input as Record<string, unknown>;
    const pick = (key: string) => (key in input ? { [key]: input[key] } : {});
    return {
      event: record.event,
      keys: Object.keys(input).sort(),
      ...pick("source"),
      ...pick("reason"),
      ...pick("prompt"),
      ...pick("tool_name"),
      ...pick("tool_input"),
      ...pick("permission_mode"),
      ...pick("stop_hook_active"),
      ...pick("last_assistant_message"),
      cwd: String(input.cwd).replace(root, "<repo>"),
      transcript: String(input.transcript_path)
        .replace(/^.*\/\.claude\/projects\/[^/]+\//, "<projects>/")
        .replace(UUID, "<id>"),
    };
  });
}

function expectSameBehaviour(real: Side, fake: Side): void {
  expect(real.run.run.timedOut, show(real.run.run)).toBe(false);
  expect(fake.run.run.timedOut, show(fake.run.run)).toBe(false);
  expect({ exit: fake.run.run.exitCode, stderr: fake.run.run.stderr }).toEqual({
    exit: real.run.run.exitCode,
    stderr: real.run.run.stderr,
  });
  expect(lineTypes(fake.run)).toEqual(lineTypes(real.run));
  expect(updates(fake.run)).toEqual(updates(real.run));
  expect(hooks(fake.run, fake.run.req.cwd)).toEqual(hooks(real.run, real.run.req.cwd));
  expect(fake.repoLog).toBe(real.repoLog);
}

describe("the fake claude behaves like the real one", () => {
  test("a two-turn task: Bash commit, then text; every hook with the same fields", {
    timeout: TIMEOUT,
  }, async () => {
    const { real, fake } = await both(COMMIT_THEN_DONE_API, COMMIT_THEN_DONE_STEPS, {
      prompt: PROMPT,
      permissionMode: "bypassPermissions",
    });
    expectSameBehaviour(real[0]!, fake[0]!);
    // Not a comparison of two empty runs: the task did happen.
    expect(fake[0]!.repoLog.split("\n")[0]).toBe("Add hello.txt");
    expect(fake[0]!.run.hooks.map((h) => h.event)).toEqual([
      "SessionStart",
      "UserPromptSubmit",
      "PreToolUse",
      "PostToolUse",
      "Stop",
      "SessionEnd",
    ]);
    // The captured fixture the parser tests read still matches what the real binary prints.
    expect(
      readCaptured("commit-then-done").lines.map((line) => {
        const json = JSON.parse(line) as { type: string; subtype?: string };
        return json.subtype === undefined ? json.type : `${json.type}/${json.subtype}`;
      }),
    ).toEqual(lineTypes(real[0]!.run));
  });

  test("a follow-up resumes the session: SessionStart source resume, hook lines with --include-hook-events", {
    timeout: TIMEOUT,
  }, async () => {
    const { real, fake } = await both(
      [...COMMIT_THEN_DONE_API, [{ type: "text", text: "nothing else" }]],
      { runs: [COMMIT_THEN_DONE_STEPS, [{ text: "nothing else" }]] },
      { prompt: PROMPT, permissionMode: "bypassPermissions" },
      { prompt: "Anything else?", permissionMode: "bypassPermissions", extraArgs: ["--include-hook-events"] },
    );
    expectSameBehaviour(real[1]!, fake[1]!);
    expect(sessionOf(fake[1]!.run)).toBe(sessionOf(fake[0]!.run));
    expect(fake[1]!.run.hooks[0]?.input).toMatchObject({ hook_event_name: "SessionStart", source: "resume" });
  });

  test("a PreToolUse hook exiting 2 blocks the tool; its stderr reaches the result as an error", {
    timeout: TIMEOUT,
  }, async () => {
    const { real, fake } = await both(COMMIT_THEN_DONE_API, COMMIT_THEN_DONE_STEPS, {
      prompt: PROMPT,
      permissionMode: "bypassPermissions",
      hookOptions: { block: { PreToolUse: { matcher: "Bash", reason: "ccm policy: no commits" } } },
    });
    expectSameBehaviour(real[0]!, fake[0]!);
    expect(fake[0]!.repoLog).toBe("initial commit");
    expect(existsSync(join(fake[0]!.run.req.cwd, "hello.txt"))).toBe(false);
  });

  test("without a permission mode the Bash commit is refused, with a permission_denied line", {
    timeout: TIMEOUT,
  }, async () => {
    const { real, fake } = await both(COMMIT_THEN_DONE_API, COMMIT_THEN_DONE_STEPS, { prompt: PROMPT });
    // The refusal's wording depends on the command's shape; compare everything else.
    const mask = (side: Side) =>
      side.run.run.lines.map((line) =>
        line.replace(/"(message|content|tool_use_result)":"[^"]*"/g, '"$1":"…"'),
      );
    expect(fake[0]!.run.run.exitCode).toBe(real[0]!.run.run.exitCode);
    expect(lineTypes(fake[0]!.run)).toEqual(lineTypes(real[0]!.run));
    expect(mask(fake[0]!).length).toBe(mask(real[0]!).length);
    expect(hooks(fake[0]!.run, fake[0]!.run.req.cwd)).toEqual(hooks(real[0]!.run, real[0]!.run.req.cwd));
    expect(fake[0]!.repoLog).toBe("initial commit");
    expect(real[0]!.repoLog).toBe("initial commit");
  });

  test("a read-only stage (plan) cannot write, and the model sees why", { timeout: TIMEOUT }, async () => {
    const results: Record<string, unknown> = {};
    for (const agent of ["real", "fake"] as const) {
      await using harness = await createClaudeHarness((dir) => [
        [{ type: "tool_use", name: "Write", input: { file_path: join(dir, "notes.txt"), content: "x\n" } }],
        [{ type: "text", text: "planned" }],
      ]);
      const steps = [{ write: { path: "notes.txt", content: "x\n" } }, { text: "planned" }];
      const { run } = await harness.run({ agent, agentScript: steps, prompt: "Plan it", readOnly: true });
      expect(run.timedOut, show(run)).toBe(false);
      results[agent] = {
        exit: run.exitCode,
        types: lineTypes({ run } as HarnessRun),
        written: existsSync(join(harness.repo.dir, "notes.txt")),
        denied: run.lines.some((line) => line.includes('"is_error":true')),
        result: (JSON.parse(run.lines.at(-1) ?? "{}") as { result?: string }).result,
      };
    }
    expect(results.fake).toEqual(results.real);
    expect(results.real).toMatchObject({ written: false, denied: true, result: "planned" });
  });
});

describe("the fake claude handles the adapter's edge cases like the real one", () => {
  test("a long prompt on stdin reaches the model and the hooks intact", { timeout: TIMEOUT }, async () => {
    const prompt = `--starts-with-dashes "and quotes"\n${"a long line of prompt text ".repeat(60)}`;
    const seen: Record<string, unknown> = {};
    for (const agent of ["real", "fake"] as const) {
      await using harness = await createClaudeHarness([[{ type: "text", text: "read it" }]]);
      const { run, spec, hooks } = await harness.run({
        agent,
        prompt,
        agentScript: [{ text: "read it" }],
        maxPromptArgBytes: 512,
      });
      expect(spec.stdin).toBe(prompt);
      expect(run.exitCode, show(run)).toBe(0);
      seen[agent] = {
        hookPrompt: hooks.find((h) => h.event === "UserPromptSubmit")?.input.prompt,
        result: (JSON.parse(run.lines.at(-1) ?? "{}") as { result?: string }).result,
      };
      if (agent === "real") {
        const messages = harness.fake.turnRequests()[0]?.body?.messages;
        expect(JSON.stringify(messages)).toContain(JSON.stringify(prompt).slice(1, -1));
      }
    }
    expect(seen.fake).toEqual(seen.real);
    expect(seen.real).toEqual({ hookPrompt: prompt, result: "read it" });
  });

  test("SIGTERM mid-turn: the same exit code, SessionEnd still runs, no result line", {
    timeout: TIMEOUT,
  }, async () => {
    const seen: Record<string, unknown> = {};
    for (const agent of ["real", "fake"] as const) {
      await using harness = await createClaudeHarness([
        { blocks: [{ type: "text", text: "late" }], delayMs: 30_000 },
      ]);
      const { run, hooks } = await harness.run({
        agent,
        prompt: "take your time",
        agentScript: [{ sleep: 30_000 }, { text: "late" }],
        killAfterMs: 2_000,
      });
      seen[agent] = {
        exit: run.exitCode,
        signal: run.signal,
        lastHook: hooks.at(-1)?.event,
        hasResult: run.lines.some((line) => line.includes('"type":"result"')),
      };
    }
    expect(seen.fake).toEqual(seen.real);
    expect(seen.real).toMatchObject({ exit: 143, lastHook: "SessionEnd", hasResult: false });
  });
});

describe("the fake claude rejects bad command lines like the real one", () => {
  const cases: [string, string[]][] = [
    ["stream-json without --verbose", ["-p", "--output-format", "stream-json", "--", "hi"]],
    [
      "an unknown permission mode",
      ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "nope", "--", "hi"],
    ],
    ["an unknown flag", ["-p", "--output-format", "stream-json", "--verbose", "--frobnicate", "--", "hi"]],
    [
      "a prompt swallowed by a variadic flag",
      ["-p", "--output-format", "stream-json", "--verbose", "--add-dir", "/tmp", "hi"],
    ],
    [
      "a missing settings file",
      ["-p", "--output-format", "stream-json", "--verbose", "--settings", "/nonexistent/s.json", "--", "hi"],
    ],
    ["a leading-dash prompt without --", ["-p", "--output-format", "stream-json", "--verbose", "-x weird"]],
  ];
  test.each(cases)("%s", { timeout: TIMEOUT }, async (_name, args) => {
    await using harness = await createClaudeHarness([]);
    const run = (command: string) =>
      runLaunchSpec(
        { command, args, env: {}, interactive: false },
        {
          cwd: harness.repo.dir,
          env: {
            ...harness.sandbox.env,
            PATH: `${process.execPath.replace(/\/node$/, "")}:${harness.sandbox.env.PATH}`,
          },
        },
      );
    const real = await run(claudeBinary());
    const fake = await run(FAKE_CLAUDE);
    expect(real.exitCode).toBe(1);
    expect({ exit: fake.exitCode, stderr: fake.stderr, stdout: fake.stdout }).toEqual({
      exit: real.exitCode,
      stderr: real.stderr,
      stdout: real.stdout,
    });
  });
});
