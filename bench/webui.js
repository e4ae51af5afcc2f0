// Web UI and API budgets of DESIGN.md §9, on a real daemon (full profile) started by the built CLI:
// - API latency at a steady 200 requests/s (open loop: each request is timed from when it was due, so a
//   slow answer delays nobody's clock), a mix of task list, dashboard, task detail and event pages, with
//   1,000 tasks in the database. Budget p99 <= 50 ms.
// - hook -> live stream: the real command hook (`node dist/hooks/entry.js PreToolUse`) is spawned; the time
//   until the event arrives on an SSE connection to /api/stream. Budget p95 <= 250 ms. This is what the
//   browser's EventSource receives; the DOM update after it is not included (see the render figure).
// - first render of the dashboard with 1,000 tasks in Debian's Chromium (headless, playwright-core): from
//   navigation start to the queue list in the DOM, median of 5 fresh page loads.
// - JS bundle size: what the first page load fetches, and all of it (raw and gzip, as the daemon serves it).
// Env: WEBUI_SECONDS (load duration, default 10), WEBUI_HOOKS (hook samples, default 40).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { sandbox } from "../test/helpers/cli.ts";
import {
  createResults,
  dist,
  isMain,
  onInterrupt,
  percentile,
  printTable,
  round,
  sleep,
  writeResults,
} from "./lib.js";

const GROUP = "web UI and API";
const SECONDS = Number(process.env.WEBUI_SECONDS ?? 10);
const HOOKS = Number(process.env.WEBUI_HOOKS ?? 40);
const RATE = 200;
const CHROMIUM = process.env.CCM_CHROMIUM ?? "/usr/bin/chromium";

export async function benchWebui({ record }) {
  const details = {};
  bundleSizes(record, details);
  const world = await startWorld();
  try {
    details.api = await apiLoad(record, world);
    details.delivery = await hookDelivery(record, world);
    if (existsSync(CHROMIUM)) details.render = await dashboardRender(record, world);
    else process.stderr.write(`bench webui: ${CHROMIUM} missing, dashboard render not measured\n`);
  } finally {
    world.cleanup();
  }
  return details;
}

function bundleSizes(record, details) {
  const web = dist("web");
  const html = readFileSync(join(web, "index.html"), "utf8");
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const assets = readdirSync(join(web, "assets")).filter((f) => f.endsWith(".js"));
  const size = (file) => statSync(join(web, file)).size / 1024;
  const sum = (files, gz) => files.reduce((n, f) => n + size(gz ? `${f}.gz` : f), 0);
  const all = assets.map((f) => `assets/${f}`);
  record(
    GROUP,
    "JS bundle, first load (gzip)",
    sum(initial, true),
    "KiB",
    undefined,
    `${round(sum(initial, false))} KiB raw`,
  );
  record(
    GROUP,
    "JS bundle, all chunks (gzip)",
    sum(all, true),
    "KiB",
    undefined,
    `${round(sum(all, false))} KiB raw; charts and the highlighter load on demand`,
  );
  details.bundle = Object.fromEntries(
    all.map((f) => [f, { raw: round(size(f)), gzip: round(size(`${f}.gz`)) }]),
  );
}

async function startWorld() {
  const s = sandbox();
  let started = false;
  const check = (r, what) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const world = {
    s,
    base: "",
    port: 0,
    taskId: 0,
    cleanup() {
      unregister();
      if (started) s.run(["daemon", "stop"]);
      s[Symbol.dispose]();
    },
  };
  const unregister = onInterrupt(() => world.cleanup());
  try {
    check(s.run(["daemon", "init", "--yes", "--profile", "full"]), "ccm daemon init");
    const configFile = join(s.ccmHome, "config.yaml");
    writeFileSync(configFile, readFileSync(configFile, "utf8").replace("port: 8765", "port: 0"), {
      mode: 0o600,
    });
    const repo = s.gitRepo("app");
    check(s.run(["init"], { cwd: repo }), "ccm init");
    // 1,000 tasks that stay queued: all wait on task #1, which is paused (no agent starts).
    const { openStore } = await import(dist("store/db.js"));
    const { createTask, transitionTask } = await import(dist("store/tasks.js"));
    const { insertEvents } = await import(dist("store/events.js"));
    const store = openStore(join(s.ccmHome, "ccm.db"));
    const first = createTask(store, { project: "app", prompt: "held" }, { maxQueueSize: 10_000 });
    transitionTask(store, first.id, "paused", { reason: "bench", actor: "bench" });
    const priorities = ["urgent", "high", "normal", "low"];
    store.transaction(() => {
      for (let i = 1; i < 1000; i++) {
        createTask(
          store,
          {
            project: "app",
            prompt: `Task ${i}: change something in module ${i % 37}`,
            priority: priorities[i % 4],
            dependsOn: [first.id],
          },
          { maxQueueSize: 10_000 },
        );
      }
      insertEvents(
        store,
        Array.from({ length: 2000 }, (_, i) => ({
          taskId: 1 + (i % 50),
          agentId: null,
          source: "hook",
          event: "PreToolUse",
          tool: "Bash",
          payload: { tool_input: { command: `echo ${i}` } },
        })),
      );
    });
    store.close();
    world.taskId = first.id;
    check(s.run(["daemon", "start"]), "ccm daemon start");
    started = true;
    const status = JSON.parse(check(s.run(["daemon", "status", "--json"]), "ccm daemon status").stdout);
    world.base = status.url;
    world.port = Number(new URL(status.url).port);
  } catch (error) {
    world.cleanup();
    throw error;
  }
  return world;
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: keepAlive }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}
const { Agent } = await import("node:http");
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

async function apiLoad(record, world) {
  const paths = [
    "/api/tasks?limit=50",
    "/api/dashboard",
    `/api/tasks/${world.taskId + 500}`,
    "/api/events?limit=100&after=1000",
    "/api/tasks?state=queued&priority=high&limit=50&offset=100",
  ];
  for (const p of paths)
    if ((await get(world.port, p)) !== 200) throw new Error(`GET ${p} did not answer 200`);
  const total = SECONDS * RATE;
  const latencies = [];
  const byPath = Object.fromEntries(paths.map((p) => [p, []]));
  const start = performance.now();
  const pending = [];
  let errors = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const path = paths[i % paths.length];
    pending.push(
      get(world.port, path).then(
        (status) => {
          if (status !== 200) errors++;
          latencies.push(performance.now() - due);
          byPath[path].push(performance.now() - due);
        },
        () => errors++,
      ),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - start) / 1000);
  const note = `${total} requests, ${round(achieved)} req/s achieved, ${errors} errors; 1,000 tasks; load average ${round(loadavg()[0])}`;
  record(GROUP, `API p50 at ${RATE} req/s`, percentile(latencies, 50), "ms", undefined, note);
  record(GROUP, `API p99 at ${RATE} req/s`, percentile(latencies, 99), "ms", { max: 50 }, note);
  if (errors > 0) throw new Error(`${errors} API requests failed`);
  return {
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    byPath: Object.fromEntries(
      Object.entries(byPath).map(([p, v]) => [
        p,
        { p50: round(percentile(v, 50)), p99: round(percentile(v, 99)) },
      ]),
    ),
  };
}

async function hookDelivery(record, world) {
  const waiting = new Map();
  const stream = await new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: world.port, path: "/api/stream" }, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (!block.startsWith("event: event")) continue;
          const marker = /"tool_use_id":"(bench-[0-9]+)"/.exec(block)?.[1];
          const resolveOne = marker && waiting.get(marker);
          if (resolveOne) resolveOne(performance.now());
        }
      });
      resolve(req);
    });
    req.on("error", reject);
    req.end();
  });
  const env = {
    ...world.s.env,
    CCM_DB: join(world.s.ccmHome, "ccm.db"),
    CCM_TASK_ID: String(world.taskId),
  };
  const samples = [];
  try {
    for (let i = 0; i < HOOKS; i++) {
      const marker = `bench-${i}`;
      const arrived = new Promise((resolve) => waiting.set(marker, resolve));
      const payload = JSON.stringify({
        session_id: "7f3c2a10-5b1e-4c8e-9a44-2d1f0e6b9c01",
        transcript_path: "/tmp/t.jsonl",
        cwd: world.s.home,
        permission_mode: "default",
        hook_event_name: "PreToolUse",
        tool_name: "Bash",
        tool_input: { command: `echo ${i}` },
        tool_use_id: marker,
      });
      const t0 = performance.now();
      const child = spawn(process.execPath, [dist("hooks/entry.js"), "PreToolUse"], {
        env,
        stdio: ["pipe", "ignore", "ignore"],
      });
      child.stdin.end(payload);
      const timeout = sleep(5000).then(() => Number.NaN);
      const at = await Promise.race([arrived, timeout]);
      if (Number.isNaN(at)) throw new Error(`hook event ${marker} never arrived on the stream`);
      samples.push(at - t0);
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      await sleep(50);
    }
  } finally {
    stream.destroy();
  }
  const note = `${HOOKS} hook calls; includes the hook's own start-up (~40 ms) and the daemon's 25 ms data_version watch`;
  record(GROUP, "hook -> SSE client p50", percentile(samples, 50), "ms", undefined, note);
  record(GROUP, "hook -> SSE client p95", percentile(samples, 95), "ms", { max: 250 }, note);
  return { samples: samples.map(round) };
}

async function dashboardRender(record, world) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  const times = [];
  try {
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto(`${world.base}/#/dashboard`);
      await page.locator('[data-testid="queue"] li').first().waitFor({ timeout: 15_000 });
      times.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  record(
    GROUP,
    "dashboard first render, 1,000 tasks (median)",
    percentile(times, 50),
    "ms",
    undefined,
    "Chromium headless, navigation start -> queue in the DOM, 5 cold loads",
  );
  return { times: times.map(round) };
}

if (isMain(import.meta)) {
  const { results, record } = createResults();
  const details = await benchWebui({ record });
  printTable(results);
  console.log(`written to ${writeResults("webui.json", results, { details })}`);
}
