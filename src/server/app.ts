import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { CcmError, HTTP_STATUS } from "../errors.js";
import type { ApiDeps } from "./api-deps.js";
import { requireAuthForMutations } from "./auth.js";
import { type HookRouteDeps, registerHookRoute } from "./hooks-route.js";
import { hostCheck } from "./host-check.js";
import { createRegistry } from "./openapi.js";
import { registerLiveRoutes } from "./routes/live.js";
import { registerQuotaRoutes } from "./routes/quota.js";
import { registerSystemRoutes } from "./routes/system.js";
import { registerTaskRoutes } from "./routes/tasks.js";

export interface HealthInfo {
  status: "ok";
  pid: number;
  version: string;
  profile: string;
  startedAt: number;
  uptimeSeconds: number;
  queueDepth: number;
  running: number;
}

export interface AppDeps {
  health: () => HealthInfo;
  /** The port actually bound (the config may say 0 = any free port). */
  port: () => number;
  /** The REST API, SSE stream and session endpoints (absent in tests of the bare app). */
  api?: ApiDeps;
  /** The built web UI (dist/web); served when set (full profile / web_ui.enabled). */
  webRoot?: string;
  /** Claude Code's http hook transport (`POST /hooks/:event`). */
  hooks?: HookRouteDeps;
}

/** The daemon's HTTP API and web UI. Everything passes the Host check; nothing sends CORS headers. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", hostCheck({ port: deps.port }));
  app.use("*", async (c, next) => {
    await next();
    // The UI must not be framed (clickjacking on Approve) nor leak URLs; answers are what they say.
    c.header("X-Frame-Options", "DENY");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
  });
  app.get("/health", (c) => c.json(deps.health()));
  if (deps.api) {
    const api = deps.api;
    app.get("/api/health", (c) => c.json(deps.health()));
    app.use("/api/*", requireAuthForMutations(api.auth, deps.port));
    // Writes through this process do not bump data_version for this connection: publish them now.
    const publish = async (c: { req: { method: string } }, next: () => Promise<void>) => {
      await next();
      if (c.req.method !== "GET") api.feed.poll();
    };
    app.use("/api/*", publish);
    app.use("/hooks/*", publish);
    const registry = createRegistry(app);
    registerTaskRoutes(registry, api);
    registerSystemRoutes(registry, api);
    registerQuotaRoutes(registry, api);
    registerLiveRoutes(app, registry, api);
  }
  if (deps.hooks) registerHookRoute(app, deps.hooks);
  if (deps.webRoot && existsSync(join(deps.webRoot, "index.html"))) {
    const root = deps.webRoot;
    app.use("/assets/*", async (c, next) => {
      await next();
      if (c.res.status === 200) c.header("Cache-Control", "public, max-age=31536000, immutable");
    });
    app.use("*", serveStatic({ root, precompressed: true }));
    app.get("/", serveStatic({ root, path: "index.html" }));
  } else {
    app.get("/", (c) =>
      c.json({
        service: "ccm-orchestrator",
        ui: false,
        message: "The web UI is off (minimal profile or web_ui.enabled: false); the API is under /api.",
      }),
    );
  }
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    if (error instanceof CcmError) {
      return c.json({ error: error.toJSON() }, HTTP_STATUS[error.code] as 400);
    }
    return c.json({ error: { code: "INTERNAL", message: "internal error; see the daemon log" } }, 500);
  });
  return app;
}
