import { z } from "zod";
import { PRIORITIES } from "../core/priority.js";
import { TASK_STATES } from "../core/task-state.js";
import { SKIPPABLE_STAGES } from "../services/tasks.js";

/** Every HTTP input schema, and the main response shapes (for the OpenAPI document). */

const id = z.coerce.number().int().positive();
const boolFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const idParams = z.object({ id: id.describe("task id") });
export const nameParams = z.object({ name: z.string().min(1) });

export const taskListQuery = z.object({
  project: z.string().min(1).optional(),
  state: z.enum(TASK_STATES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  q: z.string().max(200).optional().describe("words the title contains"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const createTaskBody = z.object({
  project: z.string().min(1),
  prompt: z
    .string()
    .min(1)
    .max(1024 * 1024),
  title: z.string().max(200).optional(),
  priority: z.enum(PRIORITIES).default("normal"),
  agent: z.string().min(1).optional(),
  mode: z.enum(["headless", "interactive", "hybrid"]).optional(),
  dependsOn: z.array(z.number().int().positive()).max(100).default([]),
  skip: z.array(z.enum(SKIPPABLE_STAGES)).default([]),
});

export const cancelBody = z.object({
  reason: z.string().min(1).max(1000).default("cancelled from the web UI"),
});
export const approveBody = z.object({
  strategy: z.enum(["merge", "squash", "rebase"]).optional(),
  message: z.string().min(1).max(10_000).optional(),
});
export const rejectBody = z.object({ reason: z.string().min(1).max(1000) });
export const replyBody = z.object({
  prompt: z
    .string()
    .min(1)
    .max(1024 * 1024),
});
export const addProjectBody = z.object({ path: z.string().min(1), name: z.string().min(1).optional() });

export const eventsQuery = z.object({
  task: id.optional(),
  after: z.coerce.number().int().min(0).default(0).describe("return events with a larger id"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const agentsQuery = z.object({ all: boolFlag.default(false) });
export const analyticsQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(14) });
export const diffQuery = z.object({ stat: boolFlag.default(false) });
export const streamQuery = z.object({
  after: z.string().optional().describe("resume position, like the Last-Event-ID header"),
});

export const taskSchema = z.object({
  id: z.number(),
  project: z.string(),
  title: z.string(),
  prompt: z.string(),
  priority: z.enum(PRIORITIES),
  state: z.enum(TASK_STATES),
  stage: z.string().nullable(),
  agent: z.string().nullable(),
  branch: z.string().nullable(),
  worktreePath: z.string().nullable(),
  dependsOn: z.array(z.number()),
  failureReason: z.string().nullable(),
  pauseRequest: z
    .object({ reason: z.string(), actor: z.string(), kind: z.enum(["quota", "manual"]), at: z.number() })
    .nullable()
    .describe("asked to pause at the agent's next safe point"),
  pausedBy: z.enum(["quota", "manual"]).nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
});
export const taskListSchema = z.object({ tasks: z.array(taskSchema), total: z.number() });
export const projectSchema = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  baseBranch: z.string().nullable(),
  defaultAgent: z.string().nullable(),
  verifyCommand: z.string().nullable(),
  createdAt: z.number(),
});
export const eventSchema = z.object({
  id: z.number(),
  taskId: z.number().nullable(),
  agentId: z.number().nullable(),
  source: z.enum(["hook", "stream", "daemon"]),
  event: z.string(),
  tool: z.string().nullable(),
  payload: z.unknown(),
  valid: z.boolean(),
  decision: z.string().nullable(),
  reason: z.string().nullable(),
  at: z.number(),
});
export const eventPageSchema = z.object({ events: z.array(eventSchema), next: z.number().nullable() });
export const diffSchema = z.object({ diff: z.string(), base: z.string(), branch: z.string() });

// Quota (issue 6): the shapes of src/services/quota.ts, src/quota/samples.ts and src/notify/alerts.ts.
const quotaLevel = z.enum(["ok", "warning", "critical"]);
const quotaSource = z.enum(["statusline", "ccusage", "transcripts"]);
const quotaWindow = z.enum(["five_hour", "seven_day"]);
export const quotaStatusSchema = z.object({
  enabled: z.boolean(),
  level: quotaLevel.describe("the worst level over the accounts"),
  held: z.boolean().describe("dispatching held and running agents pausing"),
  holdCause: z.enum(["manual", "critical"]).nullable(),
  holdReason: z.string().nullable(),
  manualHold: z.object({ reason: z.string(), actor: z.string(), at: z.number() }).nullable(),
  override: z
    .object({ until: z.number(), actor: z.string(), at: z.number() })
    .nullable()
    .describe("`quota resume` while critical: auto-pause is off until this window resets"),
  thresholds: z.object({ warningPercent: z.number(), criticalPercent: z.number() }),
  autoPause: z.boolean(),
  autoResume: z.boolean(),
  resumeSpreadSeconds: z.number(),
  agentAccount: z.string().describe("the config directory the daemon's agents use; it decides pausing"),
  accounts: z
    .array(
      z.object({
        account: z.string(),
        source: quotaSource.nullable().describe("the source in force: the best one with a usable reading"),
        level: quotaLevel,
        resetsAt: z.number().nullable(),
        windows: z.array(
          z.object({
            window: quotaWindow,
            usedPercent: z.number().describe("0 once the reported reset time has passed"),
            reportedPercent: z.number(),
            resetsAt: z.number().nullable(),
            reset: z.boolean(),
            tokens: z.number().nullable(),
            tokenLimit: z.number().nullable(),
            at: z.number().describe("when it was read"),
            level: quotaLevel,
          }),
        ),
      }),
    )
    .describe("empty until a quota source has reported: no quota data yet"),
  pausedTasks: z.array(
    z.object({ id: z.number(), title: z.string(), priority: z.string(), stage: z.string().nullable() }),
  ),
  pausing: z.array(z.object({ id: z.number(), title: z.string(), reason: z.string() })),
  at: z.number(),
});
export const sampleSchema = z.object({
  id: z.number(),
  account: z.string(),
  source: quotaSource,
  window: quotaWindow,
  usedPercent: z.number(),
  resetsAt: z.number().nullable(),
  tokens: z.number().nullable(),
  tokenLimit: z.number().nullable(),
  taskId: z.number().nullable(),
  at: z.number(),
});
export const quotaHistoryQuery = z.object({
  hours: z.coerce
    .number()
    .min(0.1)
    .max(24 * 90)
    .default(24)
    .describe("how far back"),
  account: z.string().min(1).optional(),
  source: quotaSource.optional(),
  window: quotaWindow.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
});
export const quotaHistorySchema = z.object({ samples: z.array(sampleSchema) });
export const alertSchema = z.object({
  id: z.number(),
  level: z.enum(["info", "warning", "critical"]),
  code: z.string().describe("quota.warning, quota.critical, task.paused, task.resumed, limit_exceeded, ..."),
  message: z.string(),
  taskId: z.number().nullable(),
  at: z.number(),
  deliveredAt: z.number().nullable(),
  attempts: z.number(),
  deliveries: z.record(z.string(), z.string()).nullable().describe("per channel: ok or the error"),
});
export const alertsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.coerce.number().int().min(0).default(0).describe("only alerts with a larger id"),
});
export const alertListSchema = z.object({ alerts: z.array(alertSchema) });
export const reasonBody = z.object({ reason: z.string().min(1).max(1000).optional() });
export const quotaPauseSchema = z.object({ held: z.literal(true), asked: z.array(z.number()) });
export const quotaResumeSchema = z.object({
  resumed: z.array(z.number()),
  overrideUntil: z.number().nullable(),
});
export const taskPauseSchema = z.object({
  id: z.number(),
  outcome: z.enum(["paused", "requested", "already"]),
  task: taskSchema,
});
export const taskResumeSchema = z.object({
  id: z.number(),
  outcome: z.enum(["resumed", "request-withdrawn", "not-paused"]),
  task: taskSchema,
});
