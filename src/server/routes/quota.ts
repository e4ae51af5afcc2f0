import {
  holdQuota,
  pauseOneTask,
  quotaAlerts,
  quotaHistory,
  quotaStatus,
  releaseQuota,
  resumeOneTask,
} from "../../services/quota.js";
import { getTask } from "../../store/tasks.js";
import type { ApiDeps } from "../api-deps.js";
import type { ApiRegistry } from "../openapi.js";
import {
  alertListSchema,
  alertsQuery,
  idParams,
  quotaHistoryQuery,
  quotaHistorySchema,
  quotaPauseSchema,
  quotaResumeSchema,
  quotaStatusSchema,
  reasonBody,
  taskPauseSchema,
  taskResumeSchema,
} from "../schemas.js";

/** Quota status, history and alerts; pause and resume (the same service calls as `ccm quota` / `ccm task`). */
export function registerQuotaRoutes(api: ApiRegistry, deps: ApiDeps): void {
  const by = (reason: string | undefined) => ({ actor: "web", ...(reason ? { reason } : {}) });
  api.route(
    {
      method: "get",
      path: "/api/quota",
      tag: "quota",
      summary:
        "Quota status: level, hold and its cause, per-account windows (used %, reset time, source in force), thresholds, paused tasks",
      response: quotaStatusSchema,
    },
    () => quotaStatus(deps.store, deps.config),
  );
  api.route(
    {
      method: "get",
      path: "/api/quota/history",
      tag: "quota",
      summary: "Usage samples of the last `hours`, oldest first (the history chart)",
      query: quotaHistoryQuery,
      response: quotaHistorySchema,
    },
    ({ query }) => ({
      samples: quotaHistory(deps.store, {
        windowMs: Math.round(query.hours * 3_600_000),
        limit: query.limit,
        ...(query.account ? { account: query.account } : {}),
        ...(query.source ? { source: query.source } : {}),
        ...(query.window ? { window: query.window } : {}),
      }),
    }),
  );
  api.route(
    {
      method: "get",
      path: "/api/alerts",
      tag: "quota",
      summary: "Alerts (quota, pauses, resumes, resource limits), newest first, with their deliveries",
      query: alertsQuery,
      response: alertListSchema,
    },
    ({ query }) => ({ alerts: quotaAlerts(deps.store, { limit: query.limit, afterId: query.after }) }),
  );
  api.route(
    {
      method: "post",
      path: "/api/quota/pause",
      tag: "quota",
      summary: "Hold dispatching and pause running agents at their next safe point, until /api/quota/resume",
      body: reasonBody,
      response: quotaPauseSchema,
      mutation: true,
    },
    ({ body }) => ({ held: true as const, ...holdQuota(deps.store, by(body.reason)) }),
  );
  api.route(
    {
      method: "post",
      path: "/api/quota/resume",
      tag: "quota",
      summary:
        "Lift a manual hold (or override a critical one until the window resets) and resume quota-paused tasks",
      body: reasonBody,
      response: quotaResumeSchema,
      mutation: true,
    },
    ({ body }) => {
      const result = releaseQuota(deps.store, deps.config, by(body.reason));
      deps.kick();
      return result;
    },
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/pause",
      tag: "tasks",
      summary: "Pause a task: at once if queued, at the agent's next safe point if it is working",
      params: idParams,
      body: reasonBody,
      response: taskPauseSchema,
      mutation: true,
    },
    ({ params, body }) => {
      const outcome = pauseOneTask(deps.store, params.id, by(body.reason));
      return { id: params.id, outcome, task: getTask(deps.store, params.id) };
    },
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/resume",
      tag: "tasks",
      summary: "Resume a paused task (its agent session continues), or withdraw a pending pause",
      params: idParams,
      body: reasonBody,
      response: taskResumeSchema,
      mutation: true,
    },
    ({ params, body }) => {
      const outcome = resumeOneTask(deps.store, params.id, by(body.reason));
      deps.kick();
      return { id: params.id, outcome, task: getTask(deps.store, params.id) };
    },
  );
}
