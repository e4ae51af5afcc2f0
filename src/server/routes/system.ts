import { z } from "zod";
import { knownAgents } from "../../agents/registry.js";
import { analytics } from "../../services/analytics.js";
import { dashboard } from "../../services/dashboard.js";
import { initProject } from "../../services/projects.js";
import { listAgentRuns } from "../../store/agents.js";
import { getProject, listProjects } from "../../store/projects.js";
import type { ApiDeps } from "../api-deps.js";
import type { ApiRegistry } from "../openapi.js";
import { addProjectBody, agentsQuery, analyticsQuery, nameParams, projectSchema } from "../schemas.js";

export function registerSystemRoutes(api: ApiRegistry, deps: ApiDeps): void {
  api.route(
    {
      method: "get",
      path: "/api/projects",
      tag: "projects",
      summary: "Registered projects",
      response: z.object({ projects: z.array(projectSchema) }),
    },
    () => ({ projects: listProjects(deps.store) }),
  );
  api.route(
    {
      method: "get",
      path: "/api/projects/:name",
      tag: "projects",
      summary: "One project",
      params: nameParams,
      response: projectSchema,
    },
    ({ params }) => getProject(deps.store, params.name),
  );
  api.route(
    {
      method: "post",
      path: "/api/projects",
      tag: "projects",
      summary: "Register a git repository (scaffolds .ccm/, like `ccm init`)",
      body: addProjectBody,
      mutation: true,
    },
    ({ body }) =>
      initProject({ store: deps.store, dir: body.path, ...(body.name ? { name: body.name } : {}) }),
  );
  api.route(
    {
      method: "get",
      path: "/api/agents",
      tag: "agents",
      summary: "Agent runs (active ones unless all=true) and the agents a task may name",
      query: agentsQuery,
    },
    ({ query }) => ({
      runs: listAgentRuns(deps.store, { all: query.all, limit: 500 }),
      kinds: knownAgents(deps.config),
      default: deps.config.agents.default,
    }),
  );
  api.route(
    {
      method: "get",
      path: "/api/dashboard",
      tag: "dashboard",
      summary: "Running agents, the queue by priority, awaiting approval, recent alerts, quota status",
    },
    () => dashboard(deps.store, deps.config),
  );
  api.route(
    {
      method: "get",
      path: "/api/analytics",
      tag: "dashboard",
      summary: "Durations, outcomes, events per hour, tokens and cost per day",
      query: analyticsQuery,
    },
    ({ query }) => analytics(deps.store, { days: query.days }),
  );
  api.route(
    {
      method: "get",
      path: "/api/config",
      tag: "system",
      summary: "The effective configuration, secrets redacted",
    },
    () => redact(deps.config),
  );
}

const SECRET_KEY = /(token|secret|password|passwd|api[_-]?key|credential|private)/i;

/** Replaces secret-looking values, and passwords inside URLs, with "[redacted]". */
export function redact(value: unknown, key = ""): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null) return "[redacted]";
  if (typeof value === "string") return value.replace(/(\/\/[^/:@\s]+:)[^@/\s]+@/, "$1[redacted]@");
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}
