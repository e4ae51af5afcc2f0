import type { MiddlewareHandler } from "hono";

/**
 * Refuses requests whose Host header is not a loopback name on our port: a web page on another origin
 * cannot reach the API through DNS rebinding.
 */
export function hostCheck(options: {
  port: () => number;
  extraHosts?: readonly string[];
}): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host")?.toLowerCase();
    const port = options.port();
    const allowed = new Set([
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      ...(options.extraHosts ?? []).map((h) => h.toLowerCase()),
    ]);
    if (!host || !allowed.has(host)) {
      return c.json(
        { error: { code: "FORBIDDEN_HOST", message: `requests for host '${host ?? ""}' are refused` } },
        403,
      );
    }
    return next();
  };
}
