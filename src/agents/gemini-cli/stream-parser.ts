import type { AgentResult, StreamParser, StreamUpdate, TokenUsage } from "../adapter.js";
import { compactValue, parseJsonObject, truncateText } from "../payload.js";
import {
  errorEvent,
  type GeminiResultEvent,
  initEvent,
  messageEvent,
  resultEvent,
  toolResultEvent,
  toolUseEvent,
} from "./stream-schema.js";

interface RunState {
  sessionId?: string;
  /** Assistant text since the last tool call: the run's final answer once the result arrives. */
  text: string;
  toolNames: Map<string, string>;
  /** The last severity-error message, for a result that says "error" without saying what. */
  lastError?: string;
}

/** Turns Gemini CLI stream-json events into updates; unknown events and non-JSON lines give []. */
export function createGeminiStreamParser(): StreamParser {
  const state: RunState = { text: "", toolNames: new Map() };
  return { parseLine: (line) => parseGeminiLine(line, state) };
}

function parseGeminiLine(line: string, state: RunState): StreamUpdate[] {
  const json = parseJsonObject(line);
  if (json === undefined) return [];
  switch (json.type) {
    case "init": {
      const parsed = initEvent.safeParse(json);
      if (!parsed.success) return [];
      state.sessionId = parsed.data.session_id;
      const { model } = parsed.data;
      return [
        { kind: "session", sessionId: parsed.data.session_id, ...(model === undefined ? {} : { model }) },
        { kind: "status", status: "working", currentTool: null },
      ];
    }
    case "message": {
      const parsed = messageEvent.safeParse(json);
      if (!parsed.success || parsed.data.role !== "assistant") return [];
      state.text += parsed.data.content;
      return [{ kind: "status", status: "working" }];
    }
    case "tool_use": {
      const parsed = toolUseEvent.safeParse(json);
      if (!parsed.success) return [];
      const { tool_name: tool, tool_id: id, parameters } = parsed.data;
      state.toolNames.set(id, tool);
      state.text = "";
      return [
        { kind: "event", event: "tool_use", tool, payload: { id, input: compactValue(parameters ?? {}) } },
        { kind: "status", status: "working", currentTool: tool },
      ];
    }
    case "tool_result": {
      const parsed = toolResultEvent.safeParse(json);
      if (!parsed.success) return [];
      const { tool_id: id, status, output, error } = parsed.data;
      const tool = state.toolNames.get(id);
      return [
        {
          kind: "event",
          event: "tool_result",
          ...(tool === undefined ? {} : { tool }),
          payload: { id, isError: status === "error", content: truncateText(error?.message ?? output ?? "") },
        },
        { kind: "status", status: "working", currentTool: null },
      ];
    }
    case "error": {
      const parsed = errorEvent.safeParse(json);
      if (!parsed.success) return [];
      const { severity, message } = parsed.data;
      if (severity === "error") state.lastError = message;
      return [{ kind: "event", event: severity, payload: { message: truncateText(message) } }];
    }
    case "result": {
      const parsed = resultEvent.safeParse(json);
      if (!parsed.success) return [];
      return [
        { kind: "result", result: resultFromEvent(parsed.data, state) },
        { kind: "status", status: "idle", currentTool: null },
      ];
    }
    default:
      return [];
  }
}

function resultFromEvent(event: GeminiResultEvent, state: RunState): AgentResult {
  const ok = event.status === "success";
  const usage = usageOf(event);
  const error = event.error?.message ?? state.lastError ?? "Gemini CLI reported an error without details.";
  return {
    ok,
    text: ok ? state.text : state.text || error,
    ...(state.sessionId === undefined ? {} : { sessionId: state.sessionId }),
    ...(usage === undefined ? {} : { usage }),
    ...(ok ? {} : { error: `Gemini CLI failed: ${error}` }),
  };
}

/** Gemini reports no cost. Cached tokens are part of `input_tokens`; ours count them apart. */
function usageOf(event: GeminiResultEvent): TokenUsage | undefined {
  const stats = event.stats;
  if (stats === undefined) return undefined;
  return {
    inputTokens: stats.input ?? Math.max(0, stats.input_tokens - stats.cached),
    outputTokens: stats.output_tokens,
    cacheCreationInputTokens: 0,
    cacheReadInputTokens: stats.cached,
  };
}
