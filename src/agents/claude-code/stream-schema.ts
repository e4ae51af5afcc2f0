import { z } from "zod";

/**
 * The stream-json lines the adapter relies on (Claude Code 2.1.330, `-p --output-format stream-json
 * --verbose`), one schema per line type. Loose objects: lines carry many more fields, and new ones arrive
 * with every release. Only the fields read here are checked.
 */

export const systemInitLine = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("init"),
  session_id: z.string().min(1),
  model: z.string().optional(),
  cwd: z.string().optional(),
  permissionMode: z.string().optional(),
});

export const apiRetryLine = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("api_retry"),
  attempt: z.number().optional(),
  max_retries: z.number().optional(),
  retry_delay_ms: z.number().optional(),
  error_status: z.number().nullable().optional(),
  error: z.string().optional(),
});

/** Emitted when a tool call is refused by the permission rules or mode (not for hook blocks). */
export const permissionDeniedLine = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("permission_denied"),
  tool_name: z.string(),
  tool_use_id: z.string().optional(),
  message: z.string().optional(),
});

export const toolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});

const contentBlock = z.looseObject({ type: z.string() });

export const assistantLine = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({
    model: z.string().optional(),
    content: z.array(contentBlock),
  }),
  /** null on the main thread; the spawning Agent tool's id inside a subagent. */
  parent_tool_use_id: z.string().nullable().optional(),
  /** Set on locally generated API-error messages, e.g. `authentication_failed`, `rate_limit`. */
  error: z.string().optional(),
  api_error_status: z.number().nullable().optional(),
});

export const toolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});

export const userLine = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({ content: z.union([z.string(), z.array(contentBlock)]) }),
  parent_tool_use_id: z.string().nullable().optional(),
});

/** One model's figures in `modelUsage` and `model_usage_since_last_result`. */
const modelUsageEntry = z.looseObject({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadInputTokens: z.number().default(0),
  cacheCreationInputTokens: z.number().default(0),
  costUSD: z.number().optional(),
});
export type ModelUsageEntry = z.infer<typeof modelUsageEntry>;

const apiUsage = z.looseObject({
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  cache_creation_input_tokens: z.number().default(0),
  cache_read_input_tokens: z.number().default(0),
});

export const resultLine = z.looseObject({
  type: z.literal("result"),
  /** success | error_max_turns | error_during_execution | error_max_budget_usd | … */
  subtype: z.string(),
  /** Can be true with subtype "success": the turn ended on an API or auth error. */
  is_error: z.boolean(),
  result: z.string().optional(),
  errors: z.array(z.string()).optional(),
  session_id: z.string().optional(),
  num_turns: z.number().optional(),
  total_cost_usd: z.number().optional(),
  usage: apiUsage.optional(),
  /** Includes subagents and compaction; cumulative over a resumed session (observed). */
  modelUsage: z.record(z.string(), modelUsageEntry).optional(),
  /** This process's share since the previous result (2.1.330, undocumented): per-run figures. */
  model_usage_since_last_result: z.record(z.string(), modelUsageEntry).optional(),
  terminal_reason: z.string().optional(),
  permission_denials: z.array(z.looseObject({ tool_name: z.string() })).optional(),
});
export type ResultLine = z.infer<typeof resultLine>;
