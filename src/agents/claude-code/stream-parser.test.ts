import { describe, expect, test } from "vitest";
import { type CapturedName, readCaptured } from "../../../test/fixtures/claude-stream/scenarios.js";
import type { AgentResult, StreamUpdate } from "../adapter.js";
import { createClaudeStreamParser } from "./stream-parser.js";

// Lines captured from the real Claude Code 2.1.330 (test/fixtures/claude-stream), plus hand-made edge cases.

function parseAll(lines: readonly string[]): StreamUpdate[] {
  const parser = createClaudeStreamParser();
  return lines.flatMap((line) => parser.parseLine(line));
}

function captured(name: CapturedName) {
  const run = readCaptured(name);
  const json = run.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const init = json.find((line) => line.type === "system" && line.subtype === "init");
  return { ...run, json, init, updates: parseAll(run.lines) };
}

function resultOf(updates: StreamUpdate[]): AgentResult {
  const found = updates.find((update) => update.kind === "result");
  if (found?.kind !== "result") throw new Error("no result update");
  return found.result;
}

describe("Claude stream parser on real output", () => {
  test("a Bash commit then text: session, tool events, statuses and the result, in order", () => {
    const { updates, init } = captured("commit-then-done");
    const sessionId = init?.session_id as string;

    expect(updates).toEqual([
      { kind: "session", sessionId, model: "claude-opus-5-5" },
      { kind: "status", status: "working", currentTool: null },
      { kind: "status", status: "working" },
      {
        kind: "event",
        event: "tool_use",
        tool: "Bash",
        payload: {
          id: expect.stringMatching(/^toolu_/),
          input: { command: expect.stringContaining("git commit"), description: "Run a shell command" },
        },
      },
      { kind: "status", status: "working", currentTool: "Bash" },
      {
        kind: "event",
        event: "tool_result",
        tool: "Bash",
        payload: {
          id: expect.stringMatching(/^toolu_/),
          isError: false,
          content: expect.stringContaining("Add hello.txt"),
        },
      },
      { kind: "status", status: "working", currentTool: null },
      { kind: "status", status: "working" },
      { kind: "result", result: expect.objectContaining({ ok: true }) },
      { kind: "status", status: "idle", currentTool: null },
    ]);
    expect(resultOf(updates)).toEqual({
      ok: true,
      text: "done",
      sessionId,
      costUsd: 0.0016,
      usage: { inputTokens: 200, outputTokens: 40, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      numTurns: 2,
    });
  });

  test("a resumed run reports its own usage and cost, not the session's running total", () => {
    const { updates, json } = captured("resumed");
    const line = json.at(-1)!;
    // The raw line is cumulative (200 + 100 input tokens); only model_usage_since_last_result is per run.
    expect(line).toMatchObject({ total_cost_usd: expect.closeTo(0.0024, 6) });
    expect(Object.values(line.modelUsage as Record<string, { inputTokens: number }>)[0]?.inputTokens).toBe(
      300,
    );

    const result = resultOf(updates);
    expect(result).toMatchObject({ ok: true, text: "resumed ok", numTurns: 1 });
    expect(result.costUsd).toBeCloseTo(0.0008, 6);
    expect(result.usage).toEqual({
      inputTokens: 100,
      outputTokens: 20,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
    });
  });

  test("hook lines before system/init and other unknown system subtypes mean nothing", () => {
    const { lines, json } = captured("resumed");
    const parser = createClaudeStreamParser();
    const hookLines = lines.filter((_, index) => String(json[index]?.subtype).startsWith("hook_"));
    expect(hookLines.length).toBeGreaterThan(0);
    for (const line of hookLines) expect(parser.parseLine(line)).toEqual([]);
  });

  test('an API error ends the turn with subtype "success" but is_error true: a failure', () => {
    const { updates, exitCode } = captured("blocked-then-api-error");
    expect(exitCode).toBe(1);

    const result = resultOf(updates);
    expect(result.ok).toBe(false);
    expect(result.text).toContain("API Error: 400");
    expect(result.error).toMatch(/^Claude Code ended the turn with an error \(api_error\): API Error: 400/);
    expect(updates).toContainEqual({
      kind: "event",
      event: "api_error",
      payload: { error: "unknown", status: 400, text: expect.stringContaining("API Error: 400") },
    });
  });

  test("a tool blocked by a PreToolUse hook comes back as an error tool_result carrying the hook's reason", () => {
    const { updates } = captured("blocked-then-api-error");
    const toolResult = updates.find((update) => update.kind === "event" && update.event === "tool_result");
    expect(toolResult).toEqual({
      kind: "event",
      event: "tool_result",
      tool: "Bash",
      payload: {
        id: expect.any(String),
        isError: true,
        content: expect.stringMatching(/^PreToolUse:Bash hook error: .*ccm policy: read-only stage$/),
      },
    });
  });

  test("a permission denial is reported as its own event", () => {
    const { updates } = captured("default-mode-denied");
    expect(updates).toContainEqual({
      kind: "event",
      event: "permission_denied",
      tool: "Bash",
      payload: { id: expect.any(String), message: expect.stringContaining("require approval") },
    });
    expect(resultOf(updates)).toMatchObject({ ok: true, text: "done" });
  });

  test("resuming an unknown session: an error result from the errors list", () => {
    const { updates } = captured("unknown-resume");
    expect(resultOf(updates)).toEqual({
      ok: false,
      text: "No conversation found with session ID: 00000000-0000-4000-8000-000000000000",
      sessionId: "00000000-0000-4000-8000-000000000000",
      costUsd: 0,
      usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      numTurns: 0,
      error:
        "Claude Code failed while running the turn. No conversation found with session ID: 00000000-0000-4000-8000-000000000000",
    });
  });
});

describe("Claude stream parser on edge cases", () => {
  const parse = (line: unknown) =>
    createClaudeStreamParser().parseLine(typeof line === "string" ? line : JSON.stringify(line));

  test("never throws: blank, text, arrays, bad JSON, unknown types and malformed known types give []", () => {
    for (const line of [
      "",
      "   ",
      "Warning: something on stdout",
      "[1,2]",
      '{"type":"result"',
      "null",
      { type: "stream_event", event: {} },
      { type: "system", subtype: "status", status: "compacting" },
      { type: "system", subtype: "init" },
      { type: "result", subtype: "success" },
      { type: "assistant", message: "not an object" },
      { type: "user", message: { content: "echoed prompt" } },
      { type: "rate_limit_event" },
    ]) {
      expect(parse(line), JSON.stringify(line)).toEqual([]);
    }
  });

  test("system/api_retry becomes an event", () => {
    expect(
      parse({
        type: "system",
        subtype: "api_retry",
        attempt: 2,
        max_retries: 10,
        retry_delay_ms: 1200,
        error_status: 529,
        error: "overloaded",
      }),
    ).toEqual([
      {
        kind: "event",
        event: "api_retry",
        payload: {
          attempt: 2,
          max_retries: 10,
          retry_delay_ms: 1200,
          error_status: 529,
          error: "overloaded",
        },
      },
    ]);
  });

  test("subagent tool calls are events but leave the main thread's status alone", () => {
    const updates = parse({
      type: "assistant",
      parent_tool_use_id: "toolu_agent",
      message: { content: [{ type: "tool_use", id: "toolu_sub", name: "Grep", input: { pattern: "x" } }] },
    });
    expect(updates).toEqual([
      {
        kind: "event",
        event: "tool_use",
        tool: "Grep",
        payload: { id: "toolu_sub", input: { pattern: "x" }, parentToolUseId: "toolu_agent" },
      },
    ]);
  });

  test("big tool inputs and outputs are cut to a preview", () => {
    const parser = createClaudeStreamParser();
    const content = "x".repeat(50_000);
    const [use] = parser.parseLine(
      JSON.stringify({
        type: "assistant",
        message: {
          content: [{ type: "tool_use", id: "t1", name: "Write", input: { file_path: "/a", content } }],
        },
      }),
    );
    expect(JSON.stringify(use).length).toBeLessThan(6_000);
    expect(use).toMatchObject({ payload: { input: { truncated: true, chars: expect.any(Number) } } });
    const [result] = parser.parseLine(
      JSON.stringify({
        type: "user",
        message: {
          content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: content }] }],
        },
      }),
    );
    expect(result).toMatchObject({ tool: "Write", payload: { isError: false } });
    expect(JSON.stringify(result).length).toBeLessThan(6_000);
  });

  test("error subtypes and the legacy usage field", () => {
    const [update] = parse({
      type: "result",
      subtype: "error_max_turns",
      is_error: true,
      errors: [],
      num_turns: 3,
      total_cost_usd: 0.5,
      usage: {
        input_tokens: 7,
        output_tokens: 8,
        cache_creation_input_tokens: 1,
        cache_read_input_tokens: 2,
      },
      modelUsage: {},
    });
    expect(update).toEqual({
      kind: "result",
      result: {
        ok: false,
        text: "",
        costUsd: 0.5,
        usage: { inputTokens: 7, outputTokens: 8, cacheCreationInputTokens: 1, cacheReadInputTokens: 2 },
        numTurns: 3,
        error: "Claude Code stopped at the turn limit (--max-turns).",
      },
    });
  });

  test("modelUsage sums every model (subagents on a cheaper model included)", () => {
    const [update] = parse({
      type: "result",
      subtype: "success",
      is_error: false,
      result: "ok",
      total_cost_usd: 0.3,
      usage: { input_tokens: 1, output_tokens: 1 },
      modelUsage: {
        "claude-opus-5-5": {
          inputTokens: 10,
          outputTokens: 20,
          cacheReadInputTokens: 30,
          cacheCreationInputTokens: 40,
        },
        "claude-haiku-4-5": {
          inputTokens: 1,
          outputTokens: 2,
          cacheReadInputTokens: 3,
          cacheCreationInputTokens: 4,
        },
      },
    });
    expect(update).toMatchObject({
      result: {
        costUsd: 0.3,
        usage: { inputTokens: 11, outputTokens: 22, cacheReadInputTokens: 33, cacheCreationInputTokens: 44 },
      },
    });
  });
});
