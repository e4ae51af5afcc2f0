import { z } from "zod";

/**
 * Gemini CLI `-o stream-json` events (0.61.0: packages/core/src/output/types.ts and the non-interactive
 * runner). Every event has `type` and an ISO `timestamp`.
 */

export const initEvent = z.looseObject({
  type: z.literal("init"),
  session_id: z.string().min(1),
  model: z.string().optional(),
});

export const messageEvent = z.looseObject({
  type: z.literal("message"),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  /** true on streamed chunks (every assistant message in 0.61.0). */
  delta: z.boolean().optional(),
});

export const toolUseEvent = z.looseObject({
  type: z.literal("tool_use"),
  tool_name: z.string(),
  tool_id: z.string(),
  parameters: z.unknown().optional(),
});

const errorDetail = z.looseObject({ type: z.string().optional(), message: z.string() });

export const toolResultEvent = z.looseObject({
  type: z.literal("tool_result"),
  tool_id: z.string(),
  status: z.enum(["success", "error"]),
  output: z.string().optional(),
  error: errorDetail.optional(),
});

/** Non-fatal problems: `warning`, or `error` (e.g. RESOURCE_EXHAUSTED, an invalid model stream). */
export const errorEvent = z.looseObject({
  type: z.literal("error"),
  severity: z.enum(["warning", "error"]),
  message: z.string(),
});

/** StreamStats. `input_tokens` includes cached tokens; `input` is the uncached part. */
const streamStats = z.looseObject({
  total_tokens: z.number().optional(),
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  cached: z.number().default(0),
  input: z.number().optional(),
  duration_ms: z.number().optional(),
  tool_calls: z.number().optional(),
});

export const resultEvent = z.looseObject({
  type: z.literal("result"),
  status: z.enum(["success", "error"]),
  error: errorDetail.optional(),
  stats: streamStats.optional(),
});
export type GeminiResultEvent = z.infer<typeof resultEvent>;
