import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import type { Store } from "../store/db.js";
import { createApp } from "./app.js";
import { createAuth } from "./auth.js";
import { createLiveFeed } from "./live-feed.js";

/** For tests: the API in-process over a temp store, with the Host and token a real client would send. */

export const PORT = 8765;
export const HOST = `127.0.0.1:${PORT}`;
export const TOKEN = "a".repeat(64);

export function testConfig(store: Store & { dir: string }) {
  const env = { CCM_HOME: join(store.dir, "home"), HOME: store.dir };
  return loadConfig({ paths: resolvePaths(env), env }).config;
}

export function world(store: Store & { dir: string }) {
  const config = testConfig(store);
  const auth = createAuth({ token: TOKEN });
  const feed = createLiveFeed({ store, config });
  let kicks = 0;
  const app = createApp({
    port: () => PORT,
    health: () => ({ status: "ok" }) as never,
    api: { store, config, version: "test", feed, auth, kick: () => kicks++ },
  });
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(path, { ...init, headers: { host: HOST, ...init.headers } });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers },
    });
  return { app, auth, feed, call, post, kicks: () => kicks };
}
