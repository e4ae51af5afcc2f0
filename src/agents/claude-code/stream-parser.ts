import type { AgentResult, StreamParser, StreamUpdate, TokenUsage } from "../adapter.js";
import { compactValue, parseJsonObject, truncateText } from "../payload.js";
import {
  apiRetryLine,
  assistantLine,
  type ModelUsageEntry,
  permissionDeniedLine,
  type ResultLine,
  resultLine,
  systemInitLine,
  toolResultBlock,
  toolUseBlock,
  userLine,
} from "./stream-schema.js";

/**
 * Turns Claude Code stream-json lines into updates. Remembers tool names by tool_use id, so tool_result
 * events name their tool. Unknown line types, unknown subtypes and lines that are not JSON give [].
 */
export function createClaudeStreamParser(): StreamParser {
  const toolNames = new Map<string, string>();
  return { parseLine: (line) => parseClaudeLine(line, toolNames) };
}

function parseClaudeLine(line: string, toolNames: Map<string, string>): StreamUpdate[] {
  const json = parseJsonObject(line);
  if (json === undefined) return [];
  switch (json.type) {
    case "system":
      return parseSystem(json);
    case "assistant":
      return parseAssistant(json, toolNames);
    case "user":
      return parseUser(json, toolNames);
    case "result": {
      const parsed = resultLine.safeParse(json);
      if (!parsed.success) return [];
      return [
        { kind: "result", result: resultFromLine(parsed.data) },
        { kind: "status", status: "idle", currentTool: null },
      ];
    }
    default:
      return [];
  }
}

function parseSystem(json: Record<string, unknown>): StreamUpdate[] {
  switch (json.subtype) {
    case "init": {
      const parsed = systemInitLine.safeParse(json);
      if (!parsed.success) return [];
      const { session_id: sessionId, model } = parsed.data;
      return [
        { kind: "session", sessionId, ...(model === undefined ? {} : { model }) },
        { kind: "status", status: "working", currentTool: null },
      ];
    }
    case "api_retry": {
      const parsed = apiRetryLine.safeParse(json);
      if (!parsed.success) return [];
      const { attempt, max_retries, retry_delay_ms, error_status, error } = parsed.data;
      return [
        {
          kind: "event",
          event: "api_retry",
          payload: { attempt, max_retries, retry_delay_ms, error_status, error },
        },
      ];
    }
    case "permission_denied": {
      const parsed = permissionDeniedLine.safeParse(json);
      if (!parsed.success) return [];
      const { tool_name: tool, tool_use_id: id, message } = parsed.data;
      return [
        {
          kind: "event",
          event: "permission_denied",
          tool,
          payload: { id, message: truncateText(message ?? "") },
        },
      ];
    }
    default:
      return [];
  }
}

function parseAssistant(json: Record<string, unknown>, toolNames: Map<string, string>): StreamUpdate[] {
  const parsed = assistantLine.safeParse(json);
  if (!parsed.success) return [];
  const line = parsed.data;
  // Inside a subagent the main thread is still busy with its Agent tool: report events, keep the status.
  const mainThread = line.parent_tool_use_id == null;
  const updates: StreamUpdate[] = [];
  if (line.error !== undefined) {
    const text = line.message.content
      .map((block) => (typeof block.text === "string" ? block.text : ""))
      .join("");
    updates.push({
      kind: "event",
      event: "api_error",
      payload: { error: line.error, status: line.api_error_status ?? null, text: truncateText(text) },
    });
  }
  let currentTool: string | undefined;
  for (const block of line.message.content) {
    const tool = toolUseBlock.safeParse(block);
    if (!tool.success) continue;
    toolNames.set(tool.data.id, tool.data.name);
    currentTool = tool.data.name;
    updates.push({
      kind: "event",
      event: "tool_use",
      tool: tool.data.name,
      payload: {
        id: tool.data.id,
        input: compactValue(tool.data.input),
        ...(mainThread ? {} : { parentToolUseId: line.parent_tool_use_id }),
      },
    });
  }
  if (mainThread) {
    updates.push(
      currentTool === undefined
        ? { kind: "status", status: "working" }
        : { kind: "status", status: "working", currentTool },
    );
  }
  return updates;
}

function parseUser(json: Record<string, unknown>, toolNames: Map<string, string>): StreamUpdate[] {
  const parsed = userLine.safeParse(json);
  if (!parsed.success || typeof parsed.data.message.content === "string") return [];
  const mainThread = parsed.data.parent_tool_use_id == null;
  const updates: StreamUpdate[] = [];
  for (const block of parsed.data.message.content) {
    const result = toolResultBlock.safeParse(block);
    if (!result.success) continue;
    const { tool_use_id: id, is_error: isError = false, content } = result.data;
    const tool = toolNames.get(id);
    updates.push({
      kind: "event",
      event: "tool_result",
      ...(tool === undefined ? {} : { tool }),
      payload: { id, isError, content: truncateText(contentText(content)) },
    });
  }
  if (updates.length > 0 && mainThread)
    updates.push({ kind: "status", status: "working", currentTool: null });
  return updates;
}

/** tool_result content is a string or a list of blocks (text, image, …); only text is kept. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) =>
      typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
        ? (part as { text: string }).text
        : "",
    )
    .join("");
}

const SUBTYPE_ERRORS: Readonly<Record<string, string>> = {
  error_max_turns: "Claude Code stopped at the turn limit (--max-turns).",
  error_max_budget_usd: "Claude Code stopped at the budget limit (--max-budget-usd).",
  error_during_execution: "Claude Code failed while running the turn.",
  error_max_structured_output_retries: "Claude Code could not produce the requested structured output.",
};

/** The AgentResult a `result` line stands for. `subtype: "success"` with `is_error: true` is a failure. */
export function resultFromLine(line: ResultLine): AgentResult {
  const ok = line.subtype === "success" && !line.is_error;
  const text = line.result ?? line.errors?.join("\n") ?? "";
  const usage = usageOf(line);
  const costUsd = costOf(line);
  return {
    ok,
    text,
    ...(line.session_id === undefined ? {} : { sessionId: line.session_id }),
    ...(costUsd === undefined ? {} : { costUsd }),
    ...(usage === undefined ? {} : { usage }),
    ...(line.num_turns === undefined ? {} : { numTurns: line.num_turns }),
    ...(ok ? {} : { error: errorOf(line, text) }),
  };
}

function errorOf(line: ResultLine, text: string): string {
  const known = SUBTYPE_ERRORS[line.subtype];
  const detail = truncateText(text.trim(), 1000);
  if (known !== undefined) return detail === "" ? known : `${known} ${detail}`;
  const reason = line.terminal_reason === undefined ? "" : ` (${line.terminal_reason})`;
  return `Claude Code ended the turn with an error${reason}: ${detail === "" ? "no details given" : detail}`;
}

/**
 * Per-run figures: `model_usage_since_last_result` when present (a resumed session's `modelUsage` and
 * `total_cost_usd` are cumulative, observed in 2.1.330), then `modelUsage` (includes subagents and
 * compaction, unlike `usage`), then the main loop's `usage`.
 */
function usageOf(line: ResultLine): TokenUsage | undefined {
  const perModel = nonEmpty(line.model_usage_since_last_result) ?? nonEmpty(line.modelUsage);
  if (perModel !== undefined) {
    const total: TokenUsage = {
      inputTokens: 0,
      outputTokens: 0,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
    };
    for (const entry of perModel) {
      total.inputTokens += entry.inputTokens;
      total.outputTokens += entry.outputTokens;
      total.cacheCreationInputTokens += entry.cacheCreationInputTokens;
      total.cacheReadInputTokens += entry.cacheReadInputTokens;
    }
    return total;
  }
  if (line.usage === undefined) return undefined;
  return {
    inputTokens: line.usage.input_tokens,
    outputTokens: line.usage.output_tokens,
    cacheCreationInputTokens: line.usage.cache_creation_input_tokens,
    cacheReadInputTokens: line.usage.cache_read_input_tokens,
  };
}

function costOf(line: ResultLine): number | undefined {
  const sinceLast = nonEmpty(line.model_usage_since_last_result);
  if (sinceLast?.every((entry) => entry.costUSD !== undefined)) {
    return sinceLast.reduce((sum, entry) => sum + (entry.costUSD ?? 0), 0);
  }
  return line.total_cost_usd;
}

function nonEmpty(record: Record<string, ModelUsageEntry> | undefined): ModelUsageEntry[] | undefined {
  if (record === undefined) return undefined;
  const entries = Object.values(record);
  return entries.length === 0 ? undefined : entries;
}
