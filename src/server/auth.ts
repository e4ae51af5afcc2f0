import { createHmac, randomBytes } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { sameSecret } from "./token.js";

/**
 * Who may change things. Reads are open to loopback callers (the Host check already refused foreign
 * names, and without CORS headers a foreign page cannot read answers). Mutations need either the local
 * token (`Authorization: Bearer`, for scripts) or the session cookie `ccm ui` hands out, and are refused
 * when the browser says the request comes from another site (Origin / Sec-Fetch-Site).
 */

export const SESSION_COOKIE = "ccm_session";
const CODE_TTL_MS = 60_000;
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Auth {
  /** A one-time code for `/auth/exchange`, valid for a minute. */
  issueCode(): { code: string; expiresAt: number };
  /** Consumes a code; returns a session cookie value, or undefined if the code is unknown/used/expired. */
  exchange(code: string): string | undefined;
  sessionValid(value: string | undefined): boolean;
  tokenValid(header: string | undefined): boolean;
}

export function createAuth(options: { token: string; clock?: () => number }): Auth {
  const clock = options.clock ?? Date.now;
  const codes = new Map<string, number>();
  // The cookie is `<random id>.<hmac(token, id)>`: it survives a daemon restart, dies with a new token.
  const sign = (id: string) => createHmac("sha256", options.token).update(`session:${id}`).digest("hex");
  return {
    issueCode() {
      const now = clock();
      for (const [code, expires] of codes) if (expires <= now) codes.delete(code);
      const code = randomBytes(18).toString("base64url");
      const expiresAt = now + CODE_TTL_MS;
      codes.set(code, expiresAt);
      return { code, expiresAt };
    },
    exchange(code) {
      const expires = codes.get(code);
      codes.delete(code);
      if (expires === undefined || expires <= clock()) return undefined;
      const id = randomBytes(18).toString("base64url");
      return `${id}.${sign(id)}`;
    },
    sessionValid(value) {
      if (!value) return false;
      const [id, mac] = value.split(".");
      return id !== undefined && mac !== undefined && sameSecret(mac, sign(id));
    },
    tokenValid(header) {
      const match = /^Bearer (.+)$/.exec(header ?? "");
      return match !== null && sameSecret(match[1]!, options.token);
    },
  };
}

/** True when the browser marks the request as coming from a page on another origin. */
export function crossSite(c: Context, port: number): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = c.req.header("origin");
  if (origin === undefined || origin === "null") return origin === "null";
  const host = c.req.header("host")?.toLowerCase();
  return origin.toLowerCase() !== `http://${host}` || !host?.endsWith(`:${port}`);
}

export function requireAuthForMutations(auth: Auth, port: () => number): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    if (crossSite(c, port())) {
      return c.json(
        { error: { code: "FORBIDDEN_ORIGIN", message: "cross-site requests may not change anything" } },
        403,
      );
    }
    if (auth.tokenValid(c.req.header("authorization")) || auth.sessionValid(getCookie(c, SESSION_COOKIE))) {
      return next();
    }
    return c.json(
      {
        error: {
          code: "UNAUTHORIZED",
          message: "this request changes something and needs the local token or a web UI session",
          hint: "Open the UI with `ccm ui`, or send `Authorization: Bearer $(cat ~/.ccm/token)`.",
        },
      },
      401,
    );
  };
}
