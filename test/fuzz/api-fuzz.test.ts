import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { createApp } from "../../src/server/app.js";
import { createAuth } from "../../src/server/auth.js";
import { createLiveFeed } from "../../src/server/live-feed.js";
import { openStore, type Store } from "../../src/store/db.js";
import { addProject } from "../../src/store/projects.js";
import { createTask } from "../../src/store/tasks.js";
import { nastyString, type Rng, rng } from "../helpers/random.js";

/**
 * The HTTP API against malformed and hostile requests, in-process (`app.request`) over a real SQLite store
 * and a real project repository. Every route of the OpenAPI document is hit with hostile path parameters,
 * query strings, bodies, content types and credentials. Each answer must be a client error or a success
 * with a JSON body — never a 500 (an unmapped failure), never a hang — and the database must stay intact.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 5150);
const CASES = Number(process.env.FUZZ_API_CASES ?? 10_000);
const HOST = "127.0.0.1:8765";
const TOKEN = "f".repeat(64);
/** Never-ending or browser-only routes. */
const SKIP = new Set(["/api/stream", "/auth/exchange"]);

interface Route {
  method: string;
  path: string;
}

function hostileJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return nastyString(r);
    case 1:
      return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31]);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.pick(["urgent", "high", "low", "merge", "squash", "rebase", "repo", "1", ""]);
    case 4:
      return r.int(5);
    case 5:
      return "x".repeat(r.pick([0, 1, 10_000, 200_000]));
    case 6:
      return Array.from({ length: r.int(5) }, () => hostileJson(r, depth + 1));
    default: {
      const keys = [
        "project",
        "prompt",
        "priority",
        "agent",
        "dependsOn",
        "title",
        "mode",
        "skip",
        "reason",
        "strategy",
        "message",
        "path",
        "name",
        "__proto__",
        "constructor",
        nastyString(r),
      ];
      const out: Record<string, unknown> = {};
      for (let i = r.int(6); i > 0; i--) out[r.pick(keys)] = hostileJson(r, depth + 1);
      return out;
    }
  }
}

/** Percent-encodes what a client could send (lone surrogates cannot be encoded at all). */
const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "\ufffd"));

function pathFor(r: Rng, template: string): string {
  return template.replace(/\{([^}]+)\}|:([A-Za-z]+)/g, () => {
    const roll = r.int(6);
    if (roll === 0) return r.pick(["%", "%E0%A4%A", "%ZZ", "%00", "..", "%2e%2e", "%2F"]); // raw, malformed
    if (roll < 3) return encode(r.pick(["1", "2", "999999", "0", "-1", "repo", "1e3"]));
    return encode(nastyString(r).slice(0, 300));
  });
}

function queryFor(r: Rng): string {
  if (r.int(2) === 0) return "";
  const keys = [
    "state",
    "project",
    "priority",
    "limit",
    "offset",
    "after",
    "before",
    "q",
    "hours",
    "taskId",
    "all",
  ];
  const pairs = Array.from(
    { length: 1 + r.int(4) },
    () =>
      `${r.pick(keys)}=${r.int(10) === 0 ? "%E0%A4%A" : encode(JSON.stringify(hostileJson(r, 3)) ?? "").slice(0, 500)}`,
  );
  return `?${pairs.join("&")}`;
}

describe("HTTP API fuzz", () => {
  let root: string;
  let store: Store;
  let app: ReturnType<typeof createApp>;
  let routes: Route[];

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "ccm-api-fuzz-")));
    const env = { CCM_HOME: join(root, "home"), HOME: root };
    const { config } = loadConfig({ paths: resolvePaths(env), env });
    store = openStore(join(root, "ccm.db"));
    const repo = join(root, "repo");
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e.invalid", ...args], { cwd: repo });
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "a.txt"), "a\n");
    git("add", ".");
    git("commit", "-qm", "base");
    addProject(store, { name: "repo", path: repo, baseBranch: "main" });
    for (let i = 0; i < 5; i++)
      createTask(store, { project: "repo", prompt: `task ${i}` }, { maxQueueSize: 10_000 });
    app = createApp({
      port: () => 8765,
      health: () => ({ status: "ok" }) as never,
      api: {
        store,
        config,
        version: "fuzz",
        feed: createLiveFeed({ store, config }),
        auth: createAuth({ token: TOKEN }),
        kick: () => {},
      },
    });
    const doc = (await (await app.request("/api/openapi.json", { headers: { host: HOST } })).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths)
      .filter(([path]) => !SKIP.has(path))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
      );
  });
  afterAll(() => {
    store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it(`${CASES} hostile requests: no 500, no hang, JSON errors, the database intact (seed ${SEED})`, async () => {
    expect(routes.length).toBeGreaterThan(15);
    const r = rng(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < CASES; i++) {
      const route = r.pick(routes);
      const method = r.int(20) === 0 ? r.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]) : route.method;
      const url = pathFor(r, route.path) + queryFor(r);
      const headers: Record<string, string> = {
        host: r.int(30) === 0 ? r.pick(["evil.example", "", HOST]) : HOST,
      };
      const auth = r.int(6);
      if (auth > 0)
        headers.authorization =
          auth === 1
            ? // Only what HTTP can carry in a header (a client cannot send more).
              `Bearer ${nastyString(r)
                .slice(0, 100)
                .replace(/[^\x20-\x7e]/g, "?")}`
            : `Bearer ${TOKEN}`;
      if (r.int(10) === 0) headers.origin = r.pick(["https://evil.example", "null", `http://${HOST}`]);
      let body: string | undefined;
      if (method !== "GET" && method !== "HEAD") {
        headers["content-type"] =
          r.int(8) === 0 ? r.pick(["text/plain", "application/xml", ""]) : "application/json";
        body = r.int(8) === 0 ? nastyString(r) : JSON.stringify(hostileJson(r));
      }
      const replay = `case ${i} (FUZZ_SEED=${SEED}): ${method} ${url.slice(0, 200)} ${body?.slice(0, 200) ?? ""}`;
      let response: Response;
      try {
        response = await Promise.race([
          app.request(url, { method, headers, ...(body === undefined ? {} : { body }) }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer in 10 s")), 10_000)),
        ]);
      } catch (error) {
        throw new Error(`${replay} threw ${String(error)}`);
      }
      const text = await response.text();
      if (response.status >= 500 && response.status !== 502 && response.status !== 507) {
        throw new Error(`${replay} -> ${response.status} ${text.slice(0, 500)}`);
      }
      if (response.status >= 400 && url.startsWith("/api/")) {
        let parsed: { error?: unknown } | undefined;
        try {
          parsed = JSON.parse(text) as { error?: unknown };
        } catch {
          throw new Error(`${replay} -> ${response.status} without a JSON error body: ${text.slice(0, 300)}`);
        }
        if (parsed?.error === undefined)
          throw new Error(`${replay} -> ${response.status} body has no error: ${text}`);
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    const integrity = store.db.prepare("PRAGMA integrity_check").get() as { integrity_check: string };
    expect(integrity.integrity_check).toBe("ok");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log(
      `api fuzz: ${CASES} requests over ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 600_000);
});
