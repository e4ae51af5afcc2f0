import { describe, expect, test } from "vitest";
import type { AgentResult, StreamUpdate } from "../adapter.js";
import { createGeminiStreamParser } from "./stream-parser.js";

// The first two lines are the reference's observed 0.61.0 output (§2.3); the rest follow its event table
// and the field names of the 0.61.0 non-interactive runner (assistant messages always arrive as deltas).
const RUN = [
  '{"type":"init","timestamp":"2026-11-22T11:33:27.773Z","session_id":"af9d92af-8ee8-4b16-8a90-8fa10f252d3a","model":"auto"}',
  '{"type":"message","timestamp":"2026-11-22T11:33:27.775Z","role":"user","content":"Add hello.txt and commit it"}',
  '{"type":"message","timestamp":"2026-11-22T11:33:28.101Z","role":"assistant","content":"I will add the file ","delta":true}',
  '{"type":"message","timestamp":"2026-11-22T11:33:28.140Z","role":"assistant","content":"and commit it.","delta":true}',
  '{"type":"tool_use","timestamp":"2026-11-22T11:33:28.500Z","tool_name":"run_shell_command","tool_id":"run_shell_command-1763811208500-0","parameters":{"command":"git commit -am hello","description":"commit"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T11:33:29.012Z","tool_id":"run_shell_command-1763811208500-0","status":"success","output":"[main 1a2b3c4] hello"}',
  '{"type":"message","timestamp":"2026-11-22T11:33:29.600Z","role":"assistant","content":"Done: ","delta":true}',
  '{"type":"message","timestamp":"2026-11-22T11:33:29.640Z","role":"assistant","content":"committed.","delta":true}',
  '{"type":"result","timestamp":"2026-11-22T11:33:29.700Z","status":"success","stats":{"total_tokens":1530,"input_tokens":1200,"output_tokens":300,"cached":400,"input":800,"duration_ms":1927,"tool_calls":1,"models":{"gemini-2.5-pro":{"total_tokens":1530,"input_tokens":1200,"output_tokens":300,"cached":400,"input":800}}}}',
];

function parseAll(lines: readonly string[]): StreamUpdate[] {
  const parser = createGeminiStreamParser();
  return lines.flatMap((line) => parser.parseLine(line));
}

function resultOf(updates: StreamUpdate[]): AgentResult {
  const found = updates.find((update) => update.kind === "result");
  if (found?.kind !== "result") throw new Error("no result update");
  return found.result;
}

describe("Gemini stream parser", () => {
  test("a run with one tool call: session, statuses, tool events, and a result whose text is the final answer", () => {
    const updates = parseAll(RUN);
    expect(updates).toEqual([
      { kind: "session", sessionId: "af9d92af-8ee8-4b16-8a90-8fa10f252d3a", model: "auto" },
      { kind: "status", status: "working", currentTool: null },
      { kind: "status", status: "working" },
      { kind: "status", status: "working" },
      {
        kind: "event",
        event: "tool_use",
        tool: "run_shell_command",
        payload: {
          id: "run_shell_command-1763811208500-0",
          input: { command: "git commit -am hello", description: "commit" },
        },
      },
      { kind: "status", status: "working", currentTool: "run_shell_command" },
      {
        kind: "event",
        event: "tool_result",
        tool: "run_shell_command",
        payload: { id: "run_shell_command-1763811208500-0", isError: false, content: "[main 1a2b3c4] hello" },
      },
      { kind: "status", status: "working", currentTool: null },
      { kind: "status", status: "working" },
      { kind: "status", status: "working" },
      { kind: "result", result: expect.objectContaining({ ok: true }) },
      { kind: "status", status: "idle", currentTool: null },
    ]);
    expect(resultOf(updates)).toEqual({
      ok: true,
      text: "Done: committed.",
      sessionId: "af9d92af-8ee8-4b16-8a90-8fa10f252d3a",
      usage: { inputTokens: 800, outputTokens: 300, cacheCreationInputTokens: 0, cacheReadInputTokens: 400 },
    });
  });

  test("each parser keeps its own run's text", () => {
    const first = createGeminiStreamParser();
    const second = createGeminiStreamParser();
    first.parseLine('{"type":"message","role":"assistant","content":"one","delta":true}');
    second.parseLine('{"type":"message","role":"assistant","content":"two","delta":true}');
    expect(first.parseLine('{"type":"result","status":"success"}')[0]).toMatchObject({
      result: { text: "one" },
    });
    expect(second.parseLine('{"type":"result","status":"success"}')[0]).toMatchObject({
      result: { text: "two" },
    });
  });

  test("a fatal error ends with an error result (the shape handleError emits)", () => {
    const updates = parseAll([
      RUN[0]!,
      '{"type":"result","timestamp":"2026-11-22T11:33:30.000Z","status":"error","error":{"type":"FatalTurnLimitedError","message":"Reached max session turns for this session."},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{}}}',
    ]);
    expect(resultOf(updates)).toEqual({
      ok: false,
      text: "Reached max session turns for this session.",
      sessionId: "af9d92af-8ee8-4b16-8a90-8fa10f252d3a",
      usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      error: "Gemini CLI failed: Reached max session turns for this session.",
    });
  });

  test("an error result without details borrows the last error event; warnings are events", () => {
    const updates = parseAll([
      '{"type":"error","timestamp":"t","severity":"warning","message":"Agent execution blocked: policy"}',
      '{"type":"error","timestamp":"t","severity":"error","message":"Model stream ended with empty response text."}',
      '{"type":"result","timestamp":"t","status":"error"}',
    ]);
    expect(updates.slice(0, 2)).toEqual([
      { kind: "event", event: "warning", payload: { message: "Agent execution blocked: policy" } },
      { kind: "event", event: "error", payload: { message: "Model stream ended with empty response text." } },
    ]);
    expect(resultOf(updates)).toMatchObject({
      ok: false,
      error: "Gemini CLI failed: Model stream ended with empty response text.",
    });
  });

  test("a failed tool is an error tool_result carrying its message", () => {
    const updates = parseAll([
      '{"type":"tool_use","timestamp":"t","tool_name":"write_file","tool_id":"w1","parameters":{"file_path":"a.txt","content":"x"}}',
      '{"type":"tool_result","timestamp":"t","tool_id":"w1","status":"error","output":"","error":{"type":"TOOL_EXECUTION_ERROR","message":"Blocked by hook: read-only stage"}}',
    ]);
    expect(updates[2]).toEqual({
      kind: "event",
      event: "tool_result",
      tool: "write_file",
      payload: { id: "w1", isError: true, content: "Blocked by hook: read-only stage" },
    });
  });

  test("never throws: noise, echoed user messages, unknown and malformed events give []", () => {
    const parser = createGeminiStreamParser();
    for (const line of [
      "",
      "Warning: 256-color support not detected.",
      "{not json",
      "[]",
      '{"type":"message","role":"user","content":"hi"}',
      '{"type":"message","role":"assistant"}',
      '{"type":"init"}',
      '{"type":"result","status":"maybe"}',
      '{"type":"thought","content":"…"}',
    ]) {
      expect(parser.parseLine(line), line).toEqual([]);
    }
  });
});
