import { Hono } from "hono";
import { CcmError, HTTP_STATUS } from "../errors.js";
import { hostCheck } from "./host-check.js";

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
}

/** The daemon's HTTP API. Routes grow with the web UI issue; everything passes the Host check. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", hostCheck({ port: deps.port }));
  app.get("/health", (c) => c.json(deps.health()));
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
