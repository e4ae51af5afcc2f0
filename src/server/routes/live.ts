import type { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { ApiDeps } from "../api-deps.js";
import { SESSION_COOKIE } from "../auth.js";
import type { LiveMessage } from "../live-feed.js";
import type { ApiRegistry } from "../openapi.js";
import { streamQuery } from "../schemas.js";

const HEARTBEAT_MS = 15_000;

/** The SSE stream, the OpenAPI document and the session endpoints. */
export function registerLiveRoutes(app: Hono, api: ApiRegistry, deps: ApiDeps): void {
  api.route(
    {
      method: "get",
      path: "/api/stream",
      tag: "live",
      summary:
        "Server-Sent Events: event, transition, agent, alert, quota, reset. Resume with Last-Event-ID (or ?after=).",
      query: streamQuery,
      contentType: "text/event-stream",
    },
    ({ query }, c) =>
      streamSSE(c, async (stream) => {
        let chain = Promise.resolve();
        const send = (messages: LiveMessage[]) => {
          for (const m of messages) {
            chain = chain
              .then(() => stream.writeSSE({ event: m.kind, id: m.id, data: JSON.stringify(m.data) }))
              .catch(() => {});
          }
        };
        const unsubscribe = deps.feed.subscribe(c.req.header("last-event-id") ?? query.after, send);
        const heartbeat = setInterval(() => {
          chain = chain
            .then(() => stream.write(": keep-alive\n\n"))
            .then(
              () => {},
              () => {},
            );
        }, HEARTBEAT_MS);
        await new Promise<void>((resolve) => {
          stream.onAbort(() => {
            clearInterval(heartbeat);
            unsubscribe();
            resolve();
          });
        });
      }),
  );
  api.route(
    {
      method: "get",
      path: "/api/session",
      tag: "auth",
      summary: "Whether this browser holds a UI session",
      response: z.object({ authenticated: z.boolean() }),
    },
    (_input, c) => ({
      authenticated:
        deps.auth.sessionValid(getCookie(c, SESSION_COOKIE)) ||
        deps.auth.tokenValid(c.req.header("authorization")),
    }),
  );
  api.route(
    {
      method: "post",
      path: "/api/auth/code",
      tag: "auth",
      summary: "A one-time login code for the web UI (token only; `ccm ui` calls it)",
      mutation: true,
      response: z.object({ code: z.string(), expiresAt: z.number(), path: z.string() }),
    },
    (_input, c) => {
      if (!deps.auth.tokenValid(c.req.header("authorization"))) {
        return c.json(
          { error: { code: "UNAUTHORIZED", message: "login codes are issued to the local token only" } },
          401,
        );
      }
      const { code, expiresAt } = deps.auth.issueCode();
      return { code, expiresAt, path: `/auth/exchange?code=${encodeURIComponent(code)}` };
    },
  );
  // A plain link the browser opens: trades the one-time code for the session cookie, then shows the UI.
  app.get("/auth/exchange", (c) => {
    const session = deps.auth.exchange(c.req.query("code") ?? "");
    if (!session) {
      return c.html(
        "<!doctype html><title>ccm</title><p>This login link was already used or has expired. Run <code>ccm ui</code> again.</p>",
        403,
      );
    }
    setCookie(c, SESSION_COOKIE, session, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: 30 * 86_400,
    });
    return c.redirect(
      c.req.query("next")?.startsWith("/") && !c.req.query("next")?.startsWith("//")
        ? c.req.query("next")!
        : "/",
      303,
    );
  });
  app.get("/api/openapi.json", (c) => c.json(api.document({ version: deps.version })));
}
