// Hook budgets of DESIGN.md §9, in one run on one Node binary: `benchHooks()` for `npm run bench`, or
// `node bench/hooks.js` (after `npm run build`; `npm run bench:hooks`) alone, which prints its own table and
// writes .bench/hooks.json. Env: BENCH_SAMPLES (default 60), BENCH_WRITERS (20), BENCH_EVENTS_PER_WRITER
// (2000), BENCH_BATCH (100).
//
// 1. hook round trip, interleaved sample by sample so machine noise hits every variant alike:
//    - bare `node -e 0`;
//    - the command hook: spawn `node dist/hooks/entry.js PreToolUse`, ~2 KB payload on stdin, real ccm.db
//      (WAL) that this process keeps open, as the daemon does;
//    - the http hook as Claude Code makes it: a POST from a separate, already running process (Claude
//      Code spawns nothing for an http hook), to the daemon's Hono route served here;
//    - for reference, the same POST by spawning curl (what a shell-command hook calling curl would cost).
// 2. ingestion: N writer processes appending events to one ccm.db concurrently, through the same
//    ingestEvent() the hook uses, one event per transaction; then the batch path, labelled as such.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { lineReader } from "./hook-children.js";
import {
  createResults,
  dist,
  isMain,
  onInterrupt,
  percentile,
  printTable,
  ROOT,
  round,
  writeResults,
} from "./lib.js";

const CHILD = join(ROOT, "bench", "hook-children.js");
const GROUP = "hooks";

export async function benchHooks({ record }) {
  const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
  const WRITERS = Number(process.env.BENCH_WRITERS ?? 20);
  const PER_WRITER = Number(process.env.BENCH_EVENTS_PER_WRITER ?? 2000);
  const BATCH = Number(process.env.BENCH_BATCH ?? 100);
  const { openStore } = await import(dist("store/db.js"));
  const { addProject } = await import(dist("store/projects.js"));
  const { createTask } = await import(dist("store/tasks.js"));
  const { createApp } = await import(dist("server/app.js"));
  const { registerHookRoute } = await import(dist("server/hooks-route.js"));

  const work = mkdtempSync(join(tmpdir(), "ccm-bench-hooks-"));
  const unregister = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  try {
    const ccmHome = join(work, "ccm-home");
    mkdirSync(join(ccmHome, "automations", "enabled"), { recursive: true });
    const dbPath = join(ccmHome, "ccm.db");
    // The daemon's connection: keeps the WAL open, as in production (a hook is never the last connection).
    const store = openStore(dbPath);
    const ids = seed(store, work);
    const payload = realisticPayload(work);

    const env = {
      PATH: process.env.PATH,
      HOME: work,
      CCM_HOME: ccmHome,
      CCM_DB: dbPath,
      CCM_TASK_ID: String(ids.taskId),
      CCM_AGENT_ID: String(ids.agentId),
      CLAUDE_PROJECT_DIR: work,
    };
    // As the daemon runs agents: the built-in guard on, with the run's guard file (the payload's Bash command
    // is parsed and its paths resolved on every call).
    const { buildGuardFile, GUARD_FILE_ENV } = await import(dist("safety/guard-file.js"));
    const guardFile = join(work, "guard.json");
    writeFileSync(
      guardFile,
      JSON.stringify(
        buildGuardFile({
          worktree: work,
          home: work,
          ccmHome,
          projectDir: work,
          enabled: true,
          allowWrite: [],
          allowRead: [],
          denyRead: [],
          tmpdir: tmpdir(),
        }),
      ),
    );
    const guarded = { ...env, [GUARD_FILE_ENV]: guardFile };

    let port = 0;
    const app = createApp({ port: () => port, health: () => ({}) });
    registerHookRoute(app, { db: () => store.db, ccmHome, dbPath, baseEnv: env });
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    port = server.address().port;
    const url = `http://127.0.0.1:${port}/hooks/PreToolUse`;
    const headers = { "x-ccm-task-id": String(ids.taskId), "x-ccm-agent-id": String(ids.agentId) };
    const http = await startClient(port, payload, headers);
    const curl = spawnSync("curl", ["--version"]).status === 0;

    const variants = [
      { name: "bare", run: () => timeSpawn(process.execPath, ["-e", "0"], "", env) },
      {
        name: "command",
        run: () => timeSpawn(process.execPath, [dist("hooks/entry.js"), "PreToolUse"], payload, guarded),
      },
      { name: "http", run: () => http.request() },
    ];
    if (curl) {
      const args = [
        "-sS",
        "-o",
        "/dev/null",
        "-X",
        "POST",
        url,
        "--data-binary",
        "@-",
        "-H",
        "content-type: application/json",
      ];
      for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
      variants.push({ name: "curl", run: () => timeSpawn("curl", args, payload, env) });
    }
    const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
    const WARMUP = 3;
    for (let i = 0; i < SAMPLES + WARMUP; i++) {
      for (const variant of shuffle([...variants])) {
        const ms = await variant.run();
        if (i >= WARMUP) samples[variant.name].push(ms);
      }
    }
    await http.close();
    await new Promise((resolve) => server.close(resolve));

    const stat = (name) => ({ p50: percentile(samples[name], 50), p95: percentile(samples[name], 95) });
    const bare = stat("bare");
    const command = stat("command");
    const ratio = command.p50 / bare.p50;
    record(GROUP, "bare `node -e 0` p50", bare.p50, "ms");
    record(GROUP, "bare `node -e 0` p95", bare.p95, "ms");
    record(GROUP, "command hook (spawn entry.js, 2 KB, ccm.db, guard on) p50", command.p50, "ms");
    record(GROUP, "command hook p95", command.p95, "ms");
    record(GROUP, "command hook / bare, p50", ratio, "x", { max: 1.3 });
    record(
      GROUP,
      "http hook: POST from a running process p50",
      stat("http").p50,
      "ms",
      undefined,
      "Claude Code spawns nothing for http hooks",
    );
    record(GROUP, "http hook: POST from a running process p95", stat("http").p95, "ms");
    if (curl) {
      record(GROUP, "http via spawned curl p50 (reference only)", stat("curl").p50, "ms");
      record(GROUP, "http via spawned curl p95 (reference only)", stat("curl").p95, "ms");
    }
    const stored = store.db.prepare("SELECT count(*) AS n, sum(valid) AS ok FROM events").get();
    const expected = (SAMPLES + WARMUP) * 2 + (curl ? SAMPLES + WARMUP : 0);
    if (stored.n !== expected || stored.ok !== stored.n) {
      throw new Error(
        `expected ${expected} valid events stored by the hooks, found ${stored.n} (${stored.ok} valid)`,
      );
    }

    // Ingestion with concurrent writer processes.
    const agentIds = Array.from({ length: WRITERS }, () => seedAgentOnly(store, ids.taskId));
    store.db.exec("DELETE FROM events");
    const single = await ingestRun({
      dbPath,
      payload,
      agentIds,
      taskId: ids.taskId,
      perWriter: PER_WRITER,
      batch: 1,
    });
    record(
      GROUP,
      `ingest: ${WRITERS} writer processes, 1 event per transaction`,
      single.rate,
      "events/s",
      { min: 20_000 },
      `${single.events} events in ${round(single.ms)} ms`,
    );
    const batched = await ingestRun({
      dbPath,
      payload,
      agentIds,
      taskId: ids.taskId,
      perWriter: PER_WRITER,
      batch: BATCH,
    });
    record(
      GROUP,
      `ingest: ${WRITERS} writer processes, ${BATCH} events per transaction (batch path)`,
      batched.rate,
      "events/s",
      { min: 20_000 },
      `${batched.events} events in ${round(batched.ms)} ms`,
    );
    const total = store.db.prepare("SELECT count(*) AS n FROM events").get().n;
    if (total !== single.events + batched.events) throw new Error(`ingest lost events: ${total}`);

    // Whole hook processes per second with 20 spawned at a time (the command path's real ceiling here).
    const spawned = await concurrentHooks({ env, payload, total: 10 * WRITERS, concurrency: WRITERS });
    record(
      GROUP,
      `command hook processes, ${WRITERS} at a time`,
      spawned.rate,
      "hooks/s",
      undefined,
      `${spawned.total} in ${round(spawned.ms)} ms`,
    );
    store.close();
  } finally {
    unregister();
    rmSync(work, { recursive: true, force: true });
  }

  function seed(store, dir) {
    addProject(store, { name: "bench", path: dir });
    const task = createTask(store, { project: "bench", prompt: "benchmark hooks" }, { maxQueueSize: 10 });
    return { taskId: task.id, agentId: seedAgentOnly(store, task.id) };
  }
}

/** A PreToolUse payload of the documented shape, ~2 KB (a long Bash command). */
function realisticPayload(cwd) {
  const session = "7f3c2a10-5b1e-4c8e-9a44-2d1f0e6b9c01";
  return JSON.stringify({
    session_id: session,
    transcript_path: `/home/dev/.claude/projects/-home-dev-shop/${session}.jsonl`,
    cwd,
    permission_mode: "default",
    prompt_id: "0c2d4e6f-1111-4a2b-8c3d-222233334444",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: {
      command: `pnpm test --filter cart -- --reporter=dot ${"--grep 'discount applies to the cart total' ".repeat(38)}`,
      description: "Run the cart tests",
      timeout: 120000,
      run_in_background: false,
    },
    tool_use_id: "toolu_01QwErTyUiOp",
    effort: { level: "high" },
  });
}

function seedAgentOnly(store, taskId) {
  return Number(
    store.db
      .prepare(
        "INSERT INTO agents (task_id, stage, kind, mode, status, run_dir, started_at) VALUES (?, 'executing', 'claude-code', 'headless', 'starting', '/tmp', 0)",
      )
      .run(taskId).lastInsertRowid,
  );
}

/** Spawns and waits (async: the http server answering curl lives in this process); returns wall ms. */
function timeSpawn(command, args, input, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${output}`));
      else if (output !== "") reject(new Error(`${command} printed something: ${output}`));
      else resolve(ms);
    });
    child.stdin.end(input);
  });
}

/** A separate, long-running process that POSTs on request and reports the request's own time. */
async function startClient(port, payload, headers) {
  const child = spawn(process.execPath, [CHILD, "--client", String(port)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin.write(`${JSON.stringify({ payload, headers })}\n`);
  const lines = lineReader(child.stdout);
  await lines.next(); // ready
  return {
    async request() {
      child.stdin.write("go\n");
      const reply = JSON.parse(await lines.next());
      if (reply.status !== 200) throw new Error(`http hook answered ${reply.status}`);
      return reply.ms;
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.on("exit", resolve));
    },
  };
}

async function ingestRun({ dbPath, payload, agentIds, taskId, perWriter, batch }) {
  const children = agentIds.map((agentId) =>
    spawn(
      process.execPath,
      [CHILD, "--writer", dbPath, String(taskId), String(agentId), String(perWriter), String(batch)],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    ),
  );
  const readers = children.map((child) => lineReader(child.stdout));
  for (const child of children) child.stdin.write(`${payload}\n`);
  await Promise.all(readers.map((r) => r.next())); // all ready: start-up is not measured
  const start = process.hrtime.bigint();
  for (const child of children) child.stdin.end("go\n");
  const done = await Promise.all(readers.map((r) => r.next()));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode === null ? child.on("exit", resolve) : resolve())),
    ),
  );
  const events = done.reduce((sum, line) => sum + JSON.parse(line).events, 0);
  return { events, ms, rate: events / (ms / 1000) };
}

async function concurrentHooks({ env, payload, total, concurrency }) {
  let started = 0;
  const start = process.hrtime.bigint();
  const one = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [dist("hooks/entry.js"), "PreToolUse"], {
        env,
        stdio: ["pipe", "ignore", "inherit"],
      });
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`hook exited ${code}`))));
      child.stdin.end(payload);
    });
  const lane = async () => {
    while (started < total) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { total, ms, rate: total / (ms / 1000) };
}

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

// Last, so every top-level const above is initialised when it runs.
if (isMain(import.meta)) {
  if (Number(process.versions.node.split(".")[0]) < 22) {
    process.stderr.write(
      `bench/hooks.js needs Node >= 22.18 (node:sqlite); this is ${process.versions.node}: use npm run bench:hooks\n`,
    );
    process.exit(1);
  }
  if (!existsSync(dist("hooks/entry.js"))) {
    process.stderr.write("bench/hooks.js: dist/ is missing; run `npm run build` first\n");
    process.exit(1);
  }
  const { results, record } = createResults();
  await benchHooks({ record });
  printTable(results);
  console.log(`\nwritten to ${writeResults("hooks.json", results)}`);
}
