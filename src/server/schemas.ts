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
export const quotaSchema = z.union([
  z.object({ available: z.literal(false), message: z.string() }),
  z.object({
    available: z.literal(true),
    utilisation: z.number(),
    state: z.enum(["ok", "warning", "critical", "paused"]),
    windowEndsAt: z.number().nullable(),
    source: z.string(),
    sampledAt: z.number(),
  }),
]);
