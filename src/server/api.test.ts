import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { raiseAlert } from "../notify/alerts.js";
import type { Store } from "../store/db.js";
import { insertEvents } from "../store/events.js";
import { addProject } from "../store/projects.js";
import { createTask, transitionTask } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import { createApp } from "./app.js";
import { createLiveFeed, type LiveMessage } from "./live-feed.js";
import { HOST, PORT, TOKEN, testConfig, world } from "./test-helpers.js";

/** A real repository with a task whose branch adds a file, awaiting approval. */
function awaitingTask(store: Store & { dir: string }) {
  const repo = join(store.dir, "repo");
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e.invalid", ...args], {
      cwd: repo,
      encoding: "utf8",
    });
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "a.txt"), "one\n");
  git("add", ".");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "ccm/task-1");
  writeFileSync(join(repo, "a.txt"), "one\ntwo\n");
  writeFileSync(join(repo, "b.ts"), "export const b = 1;\n");
  git("add", ".");
  git("commit", "-q", "-m", "work");
  git("checkout", "-q", "main");
  addProject(store, { name: "repo", path: repo, baseBranch: "main" });
  const task = createTask(store, { project: "repo", prompt: "add b" }, { maxQueueSize: 10 });
  transitionTask(store, task.id, "executing", {
    reason: "test",
    actor: "test",
    patch: { branch: "ccm/task-1", baseBranch: "main" },
  });
  transitionTask(store, task.id, "awaiting_approval", { reason: "test", actor: "test" });
  return { repo, git, taskId: task.id };
}

describe("HTTP API", () => {
  it("creates, lists with filters and paging, shows and cancels tasks through the services", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const w = world(store);
    const created = await w.post("/api/tasks", {
      project: "repo",
      prompt: "Fix the login bug",
      priority: "high",
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: number; state: string; priority: string; title: string };
    expect(task).toMatchObject({ state: "queued", priority: "high", title: "Fix the login bug" });
    expect(w.kicks()).toBe(1);
    for (const prompt of ["Second", "Third"]) await w.post("/api/tasks", { project: "repo", prompt });

    const page = (await (await w.call("/api/tasks?limit=2&offset=1")).json()) as {
      tasks: { title: string }[];
      total: number;
    };
    expect(page).toMatchObject({ total: 3, tasks: [{ title: "Second" }, { title: "Fix the login bug" }] });
    const high = (await (await w.call("/api/tasks?priority=high")).json()) as { total: number };
    expect(high.total).toBe(1);
    const search = (await (await w.call("/api/tasks?q=login")).json()) as { tasks: { id: number }[] };
    expect(search.tasks.map((t) => t.id)).toEqual([task.id]);

    const cancelled = await w.post(`/api/tasks/${task.id}/cancel`, {});
    expect(await cancelled.json()).toMatchObject({ state: "cancelled" });
    const detail = (await (await w.call(`/api/tasks/${task.id}`)).json()) as {
      transitions: { to: string; actor: string }[];
    };
    expect(detail.transitions.map((t) => [t.to, t.actor])).toEqual([
      ["queued", "web"],
      ["cancelled", "web"],
    ]);
  });

  it("maps bad input and CcmErrors to status codes with a JSON error body", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const w = world(store);
    const bad = await w.post("/api/tasks", { project: "repo", prompt: "x", priority: "asap" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("priority"),
        hint: expect.any(String),
      },
    });
    const notJson = await w.call("/api/tasks", {
      method: "POST",
      body: "{nope",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    });
    expect((await notJson.json()) as object).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });
    const missing = await w.call("/api/tasks/99");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "TASK_NOT_FOUND" } });
    const unknownProject = await w.post("/api/tasks", { project: "nope", prompt: "x" });
    expect(unknownProject.status).toBe(404);
    expect((await w.call("/api/tasks?limit=0")).status).toBe(400);
    const notAwaiting = await w.post("/api/tasks", { project: "repo", prompt: "x" });
    const { id } = (await notAwaiting.json()) as { id: number };
    const reject = await w.post(`/api/tasks/${id}/reject`, { reason: "no" });
    expect(reject.status).toBe(409);
    expect(await reject.json()).toMatchObject({ error: { code: "INVALID_TRANSITION" } });
  });

  it("serves the diff and approves with the chosen strategy into the real base branch", async () => {
    using store = tempStore();
    const { git, taskId } = awaitingTask(store);
    const w = world(store);
    const diff = (await (await w.call(`/api/tasks/${taskId}/diff`)).json()) as { diff: string; base: string };
    expect(diff.base).toBe("main");
    expect(diff.diff).toContain("+++ b/b.ts");
    expect(diff.diff).toContain("+two");
    const approved = await w.post(`/api/tasks/${taskId}/approve`, { strategy: "squash" });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ strategy: "squash", task: { state: "merged" } });
    expect(git("show", "main:b.ts")).toBe("export const b = 1;\n");
    expect(git("rev-list", "--count", "main").trim()).toBe("2");
  });

  it("refuses mutations without the token or session, and from other sites even with one", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const w = world(store);
    const body = JSON.stringify({ project: "repo", prompt: "x" });
    const anonymous = await w.call("/api/tasks", { method: "POST", body });
    expect(anonymous.status).toBe(401);
    const wrong = await w.call("/api/tasks", {
      method: "POST",
      body,
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    const foreign = await w.post(
      "/api/tasks",
      { project: "repo", prompt: "x" },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    const crossSite = await w.post(
      "/api/tasks",
      { project: "repo", prompt: "x" },
      { "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const rebound = await w.app.request("/api/tasks", { headers: { host: "attacker.example:8765" } });
    expect(rebound.status).toBe(403);
    expect((await w.call("/api/tasks")).status).toBe(200);
    expect(store.db.prepare("SELECT count(*) AS n FROM tasks").get()).toEqual({ n: 0 });
  });

  it("exchanges a one-time code for an HttpOnly SameSite=Strict cookie that then allows mutations", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const w = world(store);
    expect((await w.call("/api/auth/code", { method: "POST" })).status).toBe(401);
    const issued = (await (await w.post("/api/auth/code", {})).json()) as { path: string };
    const exchanged = await w.call(issued.path);
    expect(exchanged.status).toBe(303);
    const cookie = exchanged.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^ccm_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await w.call(issued.path)).status).toBe(403); // one time only
    const session = cookie.split(";")[0]!;
    const viaCookie = await w.call("/api/tasks", {
      method: "POST",
      body: JSON.stringify({ project: "repo", prompt: "from the browser" }),
      headers: { cookie: session, origin: `http://${HOST}`, "sec-fetch-site": "same-origin" },
    });
    expect(viaCookie.status).toBe(201);
    expect(await (await w.call("/api/session", { headers: { cookie: session } })).json()).toEqual({
      authenticated: true,
    });
    expect(await (await w.call("/api/session")).json()).toEqual({ authenticated: false });
  });

  it("publishes an OpenAPI document built from the route schemas", async () => {
    using store = tempStore();
    const doc = (await (await world(store).call("/api/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[]; requestBody?: unknown }>>;
    };
    expect(doc.openapi).toBe("3.0.3");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/tasks", "/api/tasks/{id}/approve", "/api/stream", "/api/quota"]),
    );
    expect(doc.paths["/api/tasks"]!.get!.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(["project", "state", "priority", "limit", "offset"]),
    );
    expect(doc.paths["/api/tasks"]!.post!.requestBody).toMatchObject({
      content: {
        "application/json": {
          schema: { properties: { priority: { enum: ["urgent", "high", "normal", "low"] } } },
        },
      },
    });
  });

  it("reports no quota readings rather than a number, and redacts secrets in the config", async () => {
    using store = tempStore();
    const w = world(store);
    expect(await (await w.call("/api/quota")).json()).toMatchObject({
      level: "ok",
      held: false,
      accounts: [],
      pausedTasks: [],
      thresholds: { warningPercent: 50, criticalPercent: 90 },
    });
    const config = (await (await w.call("/api/config")).json()) as { web_ui: { port: number } };
    expect(config.web_ui.port).toBe(8765);
    const { redact } = await import("./routes/system.js");
    expect(redact({ a: { api_key: "k", url: "https://u:pw@h/x" }, token: null })).toEqual({
      a: { api_key: "[redacted]", url: "https://u:[redacted]@h/x" },
      token: null,
    });
  });

  it("shows the dashboard: running agents, the queue in start order, the alerts table, no quota figure", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const low = createTask(
      store,
      { project: "repo", prompt: "low one", priority: "low" },
      { maxQueueSize: 10 },
    );
    const urgent = createTask(
      store,
      { project: "repo", prompt: "urgent one", priority: "urgent" },
      { maxQueueSize: 10 },
    );
    const running = createTask(store, { project: "repo", prompt: "running" }, { maxQueueSize: 10 });
    const high = createTask(
      store,
      { project: "repo", prompt: "high one", priority: "high" },
      { maxQueueSize: 10 },
    );
    transitionTask(store, running.id, "executing", { reason: "t", actor: "t" });
    store.db
      .prepare(
        `INSERT INTO agents (task_id, stage, kind, mode, status, current_tool, run_dir, started_at)
         VALUES (?, 'executing', 'demo', 'headless', 'waiting', 'Bash', '/tmp/r', 1)`,
      )
      .run(running.id);
    insertEvents(store, [
      { taskId: running.id, agentId: 1, source: "hook", event: "PreToolUse", tool: "Bash", payload: {} },
    ]);
    store.db.prepare("UPDATE events SET decision = 'block', reason = 'no rm'").run();
    transitionTask(store, low.id, "failed", { reason: "it broke", actor: "t" });
    raiseAlert(store, {
      level: "warning",
      code: "limits.worktree",
      message: "worktree too big",
      taskId: running.id,
    });
    raiseAlert(store, { level: "warning", code: "limits.worktree", message: "again", taskId: running.id });
    raiseAlert(store, { level: "critical", code: "quota.critical", message: "usage at 93%" });
    const board = (await (await world(store).call("/api/dashboard")).json()) as {
      agents: { taskId: number; status: string; currentTool: string }[];
      queue: { tasks: { id: number }[]; counts: Record<string, number>; total: number };
      alerts: { level: string; code: string; taskId: number | null; message: string }[];
      quota: { accounts: unknown[] };
    };
    expect(board.agents).toEqual([
      expect.objectContaining({ taskId: running.id, status: "waiting", currentTool: "Bash" }),
    ]);
    expect(board.queue.tasks.map((t) => t.id)).toEqual([urgent.id, high.id]);
    expect(board.queue).toMatchObject({ total: 2, counts: { urgent: 1, high: 1, normal: 0, low: 0 } });
    // Newest first, de-duplicated at the source; blocked tool calls stay in the task's event stream.
    expect(board.alerts.map((a) => [a.level, a.code, a.taskId, a.message])).toEqual([
      ["critical", "quota.critical", null, "usage at 93%"],
      ["warning", "limits.worktree", running.id, "worktree too big"],
    ]);
    expect(board.quota.accounts).toEqual([]);
  });

  it("pages events by id", async () => {
    using store = tempStore();
    const w = world(store);
    insertEvents(
      store,
      Array.from({ length: 5 }, (_, i) => ({
        taskId: 1,
        agentId: null,
        source: "hook" as const,
        event: `E${i}`,
        payload: {},
      })),
    );
    const first = (await (await w.call("/api/events?limit=3")).json()) as {
      events: { event: string }[];
      next: number;
    };
    expect(first.events.map((e) => e.event)).toEqual(["E0", "E1", "E2"]);
    const second = (await (await w.call(`/api/events?limit=3&after=${first.next}`)).json()) as {
      events: { event: string }[];
      next: number | null;
    };
    expect(second).toMatchObject({ events: [{ event: "E3" }, { event: "E4" }], next: null });
  });
});

describe("static UI", () => {
  it("serves the built UI when given (full profile) and only the API otherwise (minimal)", async () => {
    using store = tempStore();
    const web = join(store.dir, "web");
    mkdirSync(join(web, "assets"), { recursive: true });
    writeFileSync(join(web, "index.html"), "<!doctype html><title>ccm</title>");
    writeFileSync(join(web, "assets", "app.js"), "console.log(1)");
    const full = createApp({ port: () => PORT, health: () => ({}) as never, webRoot: web });
    const page = await full.request("/", { headers: { host: HOST } });
    expect(await page.text()).toContain("<title>ccm</title>");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const asset = await full.request("/assets/app.js", { headers: { host: HOST } });
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const minimal = createApp({ port: () => PORT, health: () => ({}) as never });
    expect(await (await minimal.request("/", { headers: { host: HOST } })).json()).toMatchObject({
      ui: false,
    });
    expect((await minimal.request("/assets/app.js", { headers: { host: HOST } })).status).toBe(404);
  });
});

describe("live feed", () => {
  it("delivers new events, transitions and alerts with resumable ids, and replays from a Last-Event-ID", () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const feed = createLiveFeed({ store, config: testConfig(store) });
    const got: LiveMessage[] = [];
    const stop = feed.subscribe(undefined, (m) => got.push(...m));
    expect(got.map((m) => m.kind)).toEqual(["quota", "agent"]);
    const task = createTask(store, { project: "repo", prompt: "x" }, { maxQueueSize: 10 });
    insertEvents(store, [
      { taskId: task.id, agentId: null, source: "hook", event: "PreToolUse", tool: "Bash", payload: {} },
    ]);
    store.db.prepare("UPDATE events SET decision = 'block', reason = 'no rm' WHERE id = 1").run();
    feed.poll();
    // A blocked call is an event (the task page highlights it), not an alert.
    expect(got.slice(2).map((m) => [m.kind, m.id])).toEqual([
      ["event", "1-0-0-0"],
      ["transition", "1-1-0-0"],
    ]);
    stop();
    transitionTask(store, task.id, "failed", { reason: "boom", actor: "test" });
    raiseAlert(store, {
      level: "warning",
      code: "limits.commits",
      message: "too many commits",
      taskId: task.id,
    });
    feed.poll();
    const replay: LiveMessage[] = [];
    feed.subscribe("1-0-0-0", (m) => replay.push(...m));
    expect(replay.map((m) => `${m.kind}@${m.id}`)).toEqual([
      "event@2-0-0-0", // raiseAlert's own `alert` event row
      "transition@2-1-0-0",
      "transition@2-2-0-0",
      "alert@2-2-0-1",
      "quota@2-2-0-1",
      "agent@2-2-0-1",
    ]);
    expect(replay[3]!.data).toMatchObject({ code: "limits.commits", taskId: task.id });
    // Ids from before alerts and quota joined the feed still resume (nothing of theirs is replayed).
    const old: LiveMessage[] = [];
    feed.subscribe("2-1", (m) => old.push(...m));
    expect(old.map((m) => `${m.kind}@${m.id}`)).toEqual([
      "transition@2-2-0-1",
      "quota@2-2-0-1",
      "agent@2-2-0-1",
    ]);
    const reset: LiveMessage[] = [];
    feed.subscribe("9-9-0-0", (m) => reset.push(...m));
    expect(reset[0]).toMatchObject({ kind: "reset" });
  });

  it("streams over SSE and resumes after Last-Event-ID", async () => {
    using store = tempStore();
    addProject(store, { name: "repo", path: "/code/repo" });
    const w = world(store);
    createTask(store, { project: "repo", prompt: "first" }, { maxQueueSize: 10 });
    createTask(store, { project: "repo", prompt: "second" }, { maxQueueSize: 10 });
    w.feed.poll();
    const controller = new AbortController();
    const response = await w.call("/api/stream", {
      headers: { "last-event-id": "0-1-0-0" },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("event: agent")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/event: transition\ndata: [^\n]*"title":"second"[^\n]*\nid: 0-2-0-0\n/);
    expect(text).not.toContain("id: 0-1-0-0\n");
    expect(text).toContain('"title":"second"');
  });
});
