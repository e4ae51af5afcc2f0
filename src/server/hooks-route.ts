import type { DatabaseSync } from "node:sqlite";
import type { Hono } from "hono";
import { HTTP_HEADERS } from "../agents/claude-code/settings.js";
import type { AutomationRunner } from "../hooks/automations.js";
import { createGuardedRunner } from "../hooks/guard-runner.js";
import { handleHook, parseId } from "../hooks/handle-hook.js";
import { httpResponseBody } from "../hooks/hook-output.js";
import { createScriptRunner } from "../hooks/script-runner.js";

/**
 * `POST /hooks/:event`: Claude Code's http hook transport. Same core as the command hook (handle-hook.ts),
 * answered per the reference's http rules: always 2xx (an http hook cannot block through its status),
 * an empty body for "nothing to say", else the decision JSON. Register it after the Host check.
 */

export interface HookRouteDeps {
  /** The daemon's open database. */
  db: () => DatabaseSync;
  /** CCM_HOME and CCM_DB as the automations see them. */
  ccmHome: string;
  dbPath: string;
  runner?: AutomationRunner;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** The automations' base environment (default: the daemon's). */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Diagnostics (storage failures and the like), for the daemon log. */
  onNote?: (note: string, fields: { event: string; taskId: number | null; agentId: number | null }) => void;
}

export function registerHookRoute(app: Hono, deps: HookRouteDeps): void {
  // The built-in guard runs here as in the command hook: an agent on the http transport is confined too.
  const runner = createGuardedRunner(deps.runner ?? createScriptRunner());
  app.post("/hooks/:event", async (c) => {
    // Claude Code sends no Origin; a browser always does on a cross-site POST (CSRF with a valid Host).
    if (c.req.header("origin") !== undefined) {
      return c.json(
        { error: { code: "FORBIDDEN_ORIGIN", message: "hook requests from browsers are refused" } },
        403,
      );
    }
    if (deps.token !== undefined && c.req.header("authorization") !== `Bearer ${deps.token}`) {
      return c.json({ error: { code: "UNAUTHORIZED", message: "missing or wrong hook token" } }, 401);
    }
    const started = performance.now();
    const body = new Uint8Array(await c.req.arrayBuffer());
    const taskId = parseId(c.req.header(HTTP_HEADERS.taskId));
    const agentId = parseId(c.req.header(HTTP_HEADERS.agentId));
    const env: Record<string, string | undefined> = {
      ...(deps.baseEnv ?? process.env),
      // What the daemon gave the agent (CCM_WORKTREE, CCM_RUN_DIR, CCM_GUARD_FILE, …): a command hook inherits
      // it from the agent, so the automations and the guard see the same here.
      ...(agentId === null ? {} : agentEnvOf(deps.db, agentId)),
      CCM_HOME: deps.ccmHome,
      CCM_DB: deps.dbPath,
      CCM_TASK_ID: taskId === null ? undefined : String(taskId),
      CCM_AGENT_ID: agentId === null ? undefined : String(agentId),
      CCM_FAIL_CLOSED: c.req.header(HTTP_HEADERS.failClosed),
      CCM_PROJECT_DIR: taskId === null ? undefined : projectDirOf(deps.db, taskId),
    };
    const outcome = await handleHook(
      { event: c.req.param("event"), body, taskId, agentId, env },
      { db: deps.db, runner, elapsed: () => performance.now() - started },
    );
    for (const note of outcome.notes) deps.onNote?.(note, { event: outcome.event, taskId, agentId });
    const response = httpResponseBody(outcome.event, outcome.decision);
    return response === undefined ? c.body(null, 200) : c.json(response, 200);
  });
}

/** The task's project checkout: its `.ccm/automations` apply (the command hook gets it from CLAUDE_PROJECT_DIR). */
function projectDirOf(db: () => DatabaseSync, taskId: number): string | undefined {
  try {
    const row = db()
      .prepare("SELECT p.path AS path FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = ?")
      .get(taskId) as { path: string } | undefined;
    return row?.path;
  } catch {
    return undefined;
  }
}

/**
 * The environment the daemon started the agent with, from its run's spec file (stage-start writes it before
 * the agent starts); empty when the run or the file is unknown. Only string values are taken.
 */
function agentEnvOf(db: () => DatabaseSync, agentId: number): Record<string, string> {
  try {
    const row = db().prepare("SELECT run_dir FROM agents WHERE id = ?").get(agentId) as
      | { run_dir: string }
      | undefined;
    if (!row?.run_dir) return {};
    const fs = process.getBuiltinModule("node:fs");
    const spec = JSON.parse(fs.readFileSync(`${row.run_dir}/spec.json`, "utf8")) as { env?: unknown };
    const env: Record<string, string> = {};
    if (typeof spec.env === "object" && spec.env !== null) {
      for (const [key, value] of Object.entries(spec.env)) if (typeof value === "string") env[key] = value;
    }
    return env;
  } catch {
    return {};
  }
}
