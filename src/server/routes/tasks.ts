import type { z } from "zod";
import { approveTask, rejectTask, replyToTask, taskDiff } from "../../services/review.js";
import { cancelTask, queueTask, taskDetail } from "../../services/tasks.js";
import { listEvents } from "../../store/events.js";
import { getTask, listTasks } from "../../store/tasks.js";
import type { ApiDeps } from "../api-deps.js";
import type { ApiRegistry } from "../openapi.js";
import {
  approveBody,
  cancelBody,
  createTaskBody,
  diffQuery,
  diffSchema,
  eventPageSchema,
  eventsQuery,
  idParams,
  rejectBody,
  replyBody,
  taskListQuery,
  taskListSchema,
  taskSchema,
} from "../schemas.js";

export function registerTaskRoutes(api: ApiRegistry, deps: ApiDeps): void {
  const tag = "tasks";
  api.route(
    {
      method: "get",
      path: "/api/tasks",
      tag,
      summary: "List tasks, newest first",
      query: taskListQuery,
      response: taskListSchema,
    },
    ({ query }) =>
      listTasks(deps.store, {
        ...(query.project ? { project: query.project } : {}),
        ...(query.state ? { state: query.state } : {}),
        ...(query.priority ? { priority: query.priority } : {}),
        ...(query.q ? { search: query.q } : {}),
        limit: query.limit,
        offset: query.offset,
      }),
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks",
      tag,
      summary: "Queue a task",
      body: createTaskBody,
      response: taskSchema,
      mutation: true,
    },
    ({ body }, c) => {
      const task = queueTask(
        deps.store,
        { ...body, actor: "web" },
        { maxQueueSize: deps.config.resources.max_queue_size },
      );
      deps.kick();
      return c.json(task, 201);
    },
  );
  api.route(
    {
      method: "get",
      path: "/api/tasks/:id",
      tag,
      summary: "A task with its history, reports, commits and agent runs",
      params: idParams,
    },
    ({ params }) => taskDetail(deps.store, params.id),
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/cancel",
      tag,
      summary: "Cancel a task (branch and worktree are kept)",
      params: idParams,
      body: cancelBody,
      response: taskSchema,
      mutation: true,
    },
    ({ params, body }) => cancelTask(deps.store, params.id, body.reason, "web"),
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/approve",
      tag,
      summary: "Merge an awaiting task into its base branch",
      params: idParams,
      body: approveBody,
      mutation: true,
    },
    ({ params, body }) =>
      approveTask(deps.store, params.id, {
        ...(body.strategy ? { strategy: body.strategy } : {}),
        ...(body.message ? { message: body.message } : {}),
        actor: "web",
      }),
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/reject",
      tag,
      summary: "Reject finished work (kept on its branch)",
      params: idParams,
      body: rejectBody,
      response: taskSchema,
      mutation: true,
    },
    ({ params, body }) => rejectTask(deps.store, params.id, body.reason, "web"),
  );
  api.route(
    {
      method: "post",
      path: "/api/tasks/:id/reply",
      tag,
      summary: "Send finished work back with a follow-up prompt",
      params: idParams,
      body: replyBody,
      response: taskSchema,
      mutation: true,
    },
    ({ params, body }) => {
      const task = replyToTask(deps.store, params.id, body.prompt, "web");
      deps.kick();
      return task;
    },
  );
  api.route(
    {
      method: "get",
      path: "/api/tasks/:id/diff",
      tag,
      summary: "The task branch's diff against its base (unified)",
      params: idParams,
      query: diffQuery,
      response: diffSchema,
    },
    async ({ params, query }) => {
      const diff = await taskDiff(deps.store, params.id, { stat: query.stat });
      const task = getTask(deps.store, params.id);
      return { diff, base: task.baseBranch ?? "", branch: task.branch ?? "" };
    },
  );
  api.route(
    {
      method: "get",
      path: "/api/events",
      tag: "events",
      summary: "Events, oldest first, paged by id",
      query: eventsQuery,
      response: eventPageSchema,
    },
    ({ query }) => eventPage(deps, query),
  );
  api.route(
    {
      method: "get",
      path: "/api/tasks/:id/events",
      tag,
      summary: "One task's events, paged by id",
      params: idParams,
      query: eventsQuery.omit({ task: true }),
      response: eventPageSchema,
    },
    ({ params, query }) => {
      getTask(deps.store, params.id);
      return eventPage(deps, { ...query, task: params.id });
    },
  );
}

function eventPage(
  deps: ApiDeps,
  query: { task?: number | undefined; after: number; limit: number },
): z.infer<typeof eventPageSchema> {
  const events = listEvents(deps.store, {
    afterId: query.after,
    limit: query.limit,
    ...(query.task === undefined ? {} : { taskId: query.task }),
  });
  return { events, next: events.length === query.limit ? events.at(-1)!.id : null } as never;
}
