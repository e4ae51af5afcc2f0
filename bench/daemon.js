// Daemon budgets of DESIGN.md §9, measured on real daemons started by the built CLI (`ccm daemon start`) in
// sealed HOME/CCM_HOME folders, each with its own tmux server (agents.tmux_socket), the API on a free port
// and a git repository whose tasks run the built-in demo agent with every optional stage off:
//
// - dispatch: a queued task to its started tmux window. Start = the task's `created` transition (stamped by
//   whoever created it, after its own start-up); end = the daemon's "stage started" log line, written right
//   after `tmux new-window` has returned the new window's id and the pid of the program it runs. Tasks are
//   created one at a time, each after the previous one has finished, through the store API (what `ccm task
//   create` calls, here in-process) and through the CLI.
// - memory: VmRSS of the daemon from /proc/<pid>/status in MiB (a "45 MB" budget is read as 45 MiB, the
//   lenient reading by 5%): idle on fresh daemons (minimal and full profile), then with AGENTS demo agents
//   held running, minus the same daemon's warm idle RSS just before = overhead per agent. The agents'
//   wrappers (ours, one node process each) and the agents themselves are reported apart.
// - then a third daemon with bench/daemon-probe.js preloaded: every git and tmux call it makes is timed (the
//   dispatch breakdown) and V8's heap figures are read on request (what the resident memory is made of).
//
// Env: BENCH_DISPATCH_TASKS (default 30 per series), BENCH_AGENTS (10).
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../test/helpers/cli.ts";
import {
  createResults,
  dist,
  isMain,
  mean,
  onInterrupt,
  percentile,
  printTable,
  ROOT,
  sleep,
  writeResults,
} from "./lib.js";

const CLI = join(ROOT, "bin", "ccm.js");
const PROBE = join(ROOT, "bench", "daemon-probe.js");
const MiB = 1024 * 1024;
/** Agent speed while dispatch is measured (each task finishes in about a second) and while agents are held. */
const FAST_STEP_MS = "5";
const SLOW_STEP_MS = "600000";

/** Runs every daemon measurement; returns details (per-task timings, per-command trace) for the JSON file. */
export async function benchDaemon({ record }) {
  const N = Number(process.env.BENCH_DISPATCH_TASKS ?? 30);
  const AGENTS = Number(process.env.BENCH_AGENTS ?? 10);
  const { openStore } = await import(dist("store/db.js"));
  const { createTask } = await import(dist("store/tasks.js"));
  const homes = [];
  const details = {};
  const newHome = (profile) => {
    const home = agentHome(profile, { maxConcurrent: Math.max(10, AGENTS) });
    homes.push(home);
    home.store = openStore(home.dbPath);
    home.create = (prompt) => createTask(home.store, { project: "app", prompt }, { maxQueueSize: 1000 }).id;
    return home;
  };
  let bare;
  try {
    // Idle RSS on a fresh daemon, minimal profile; a bare node process of the same binary beside it.
    bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const stopBare = onInterrupt(() => bare.kill());
    const minimal = newHome("minimal");
    const minimalPid = minimal.start();
    const [idleMinimal, bareIdle] = await Promise.all([settledRss(minimalPid), settledRss(bare.pid)]);
    bare.kill();
    stopBare();
    const m = "memory";
    record(
      m,
      "daemon idle RSS, minimal profile",
      idleMinimal.median,
      "MiB",
      { max: 45 },
      rssNote(idleMinimal),
    );
    minimal.cleanup();

    // The full profile: idle, then dispatch, then agents held running.
    const full = newHome("full");
    const fullPid = full.start({ CCM_DEMO_STEP_MS: FAST_STEP_MS });
    const idleFull = await settledRss(fullPid);
    record(m, "daemon idle RSS, full profile", idleFull.median, "MiB", { max: 90 }, rssNote(idleFull));
    record(
      m,
      "bare `node` process idle RSS (same binary, reference)",
      bareIdle.median,
      "MiB",
      undefined,
      rssNote(bareIdle),
    );

    const viaStore = await dispatchSeries(full, N, (i) => ({
      id: full.create(`dispatch ${i}: add a greeting`),
    }));
    const viaCli = await dispatchSeries(full, N, (i) => {
      const invokedAt = Date.now();
      const r = full.s.run(["task", "create", "-p", "app", "--json", `dispatch (CLI) ${i}: add a greeting`]);
      if (r.code !== 0) throw new Error(`ccm task create failed: ${r.stderr}`);
      return { id: JSON.parse(r.stdout).id, invokedAt };
    });
    const store = summarize(viaStore);
    const cli = summarize(viaCli);
    const d = "dispatch: queued -> tmux window started";
    record(d, "task via store API, p50", store.total.p50, "ms", { max: 150 }, `n=${viaStore.length}`);
    record(d, "task via store API, p95", store.total.p95, "ms", { max: 150 }, `max ${store.total.max}`);
    record(
      d,
      "  created -> picked by the scheduler, p50",
      store.pick.p50,
      "ms",
      undefined,
      `p95 ${store.pick.p95}`,
    );
    record(d, "  picked -> agent run recorded, p50", store.claim.p50, "ms");
    record(
      d,
      "  agent run recorded -> window started, p50",
      store.start.p50,
      "ms",
      undefined,
      `p95 ${store.start.p95}`,
    );
    record(d, "task via `ccm task create`, p50", cli.total.p50, "ms", { max: 150 }, `n=${viaCli.length}`);
    record(d, "task via `ccm task create`, p95", cli.total.p95, "ms", { max: 150 }, `max ${cli.total.max}`);
    record(
      d,
      "`ccm task create` invoked -> window started, p50",
      cli.invoked.p50,
      "ms",
      undefined,
      "CLI start-up included",
    );
    details.dispatch = { viaStore, viaCli };

    full.tmux("set-environment", "-g", "CCM_DEMO_STEP_MS", SLOW_STEP_MS);
    const warmIdle = await settledRss(fullPid);
    const held = await holdAgents(full, AGENTS);
    const busy = await settledRss(fullPid);
    record(
      m,
      `daemon RSS, warm idle (after ${2 * N} tasks)`,
      warmIdle.median,
      "MiB",
      undefined,
      rssNote(warmIdle),
    );
    record(m, `daemon RSS with ${AGENTS} agents running`, busy.median, "MiB", undefined, rssNote(busy));
    record(
      m,
      "daemon overhead per running agent",
      (busy.median - warmIdle.median) / AGENTS,
      "MiB",
      { max: 5 },
      `(with ${AGENTS} - warm idle) / ${AGENTS}`,
    );
    const wrappers = held.map((a) => processMemory(a.wrapperPid));
    const agents = held.flatMap((a) => a.agentPids.map(processMemory));
    const w = "memory: per agent, outside the daemon";
    record(
      w,
      "agent wrapper (ours, 1 node process per agent) RSS, mean",
      mean(wrappers.map((x) => x.rss)),
      "MiB",
    );
    record(
      w,
      "agent wrapper private memory, mean",
      mean(wrappers.map((x) => x.private)),
      "MiB",
      undefined,
      "smaps_rollup Private_*",
    );
    record(
      w,
      "agent wrapper PSS, mean",
      mean(wrappers.map((x) => x.pss)),
      "MiB",
      undefined,
      "shared pages split",
    );
    if (agents.length > 0)
      record(w, "demo agent process (the agent, not ours) RSS, mean", mean(agents.map((x) => x.rss)), "MiB");
    details.memory = { idleMinimal, idleFull, bareIdle, warmIdle, busy, wrappers, agents };
    full.cleanup();

    // The same again on a probed daemon: every git/tmux call timed, V8 heap figures on request.
    const probed = newHome("full");
    probed.start({ CCM_DEMO_STEP_MS: FAST_STEP_MS }, { probe: true });
    const memIdle = await probed.memory();
    const runs = await dispatchSeries(probed, N, (i) => ({
      id: probed.create(`traced ${i}: add a greeting`),
    }));
    const breakdown = breakdownOf(runs, readLines(probed.traceFile));
    const b = "dispatch breakdown (probed daemon, child processes timed)";
    record(
      b,
      "queued -> window started, p50",
      breakdown.total.p50,
      "ms",
      undefined,
      `n=${runs.length}, p95 ${breakdown.total.p95}`,
    );
    record(b, "  created -> picked by the scheduler, p50", breakdown.pick.p50, "ms");
    record(b, "  picked -> agent run recorded, p50", breakdown.claim.p50, "ms");
    record(
      b,
      "  agent run recorded -> window started, p50",
      breakdown.start.p50,
      "ms",
      undefined,
      "of which:",
    );
    record(
      b,
      "    git calls on the path, p50",
      breakdown.git.p50,
      "ms",
      undefined,
      `${breakdown.gitCalls} calls per start`,
    );
    record(
      b,
      "    tmux calls on the path, p50",
      breakdown.tmux.p50,
      "ms",
      undefined,
      `${breakdown.tmuxCalls} calls per start`,
    );
    record(b, "    the rest (JS, files, waiting), p50", breakdown.rest.p50, "ms");
    for (const [command, stats] of Object.entries(breakdown.commands)) {
      record(
        b,
        `      ${command}, p50`,
        stats.p50,
        "ms",
        undefined,
        `${stats.count} per start${stats.overlapped ? ", overlapped with git" : ""}`,
      );
    }
    probed.tmux("set-environment", "-g", "CCM_DEMO_STEP_MS", SLOW_STEP_MS);
    const memWarm = await probed.memory();
    await holdAgents(probed, AGENTS);
    const memBusy = await probed.memory();
    const h = "memory breakdown (probed daemon, V8 figures)";
    const MB = (bytes) => bytes / MiB;
    for (const [label, mem] of [
      ["idle", memIdle],
      [`after ${N} tasks`, memWarm],
      [`with ${AGENTS} agents`, memBusy],
    ]) {
      record(h, `${label}: RSS`, mem.rss, "MiB");
      record(
        h,
        `${label}: V8 heap committed`,
        MB(mem.before.heapTotal),
        "MiB",
        undefined,
        `new space ${MB(mem.before.spaces.new_space.size).toFixed(1)} MiB of it`,
      );
      record(h, `${label}: V8 heap used after a full GC`, MB(mem.after.heapUsed), "MiB");
    }
    record(
      h,
      "V8 heap used after GC per running agent",
      MB(memBusy.after.heapUsed - memWarm.after.heapUsed) / AGENTS,
      "MiB",
    );
    details.breakdown = { runs, commands: breakdown.commands, memory: { memIdle, memWarm, memBusy } };
    probed.cleanup();
  } finally {
    if (bare && bare.exitCode === null) bare.kill();
    for (const home of homes.reverse()) home.cleanup();
  }
  return details;
}

/**
 * A sealed HOME/CCM_HOME (daemon init --profile), the API on a free port, a private tmux server, and a git
 * repository registered as project `app` that runs the demo agent with no planning, review or verify stage.
 */
function agentHome(profile, { maxConcurrent = 10 } = {}) {
  const s = sandbox();
  const socket = join(s.root, "tmux.sock");
  const traceFile = join(s.root, "spawn-trace.jsonl");
  const memoryFile = join(s.root, "memory.jsonl");
  const check = (r, what) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  let pid;
  let cleaned = false;
  const home = {
    s,
    socket,
    repo: join(s.root, "code", "app"),
    traceFile,
    dbPath: join(s.ccmHome, "ccm.db"),
    logFile: join(s.ccmHome, "logs", "daemon.log"),
    store: undefined,
    tmux: (...args) => execFileSync("tmux", ["-S", socket, ...args], { stdio: "pipe" }),
    /** Starts the daemon detached (`ccm daemon start`), or in the foreground with the probe; returns its pid. */
    start(env = {}, { probe = false } = {}) {
      if (!probe) {
        pid = JSON.parse(check(s.run(["daemon", "start", "--json"], { env }), "ccm daemon start").stdout).pid;
        return pid;
      }
      const err = openSync(join(s.root, "probed-daemon.stderr"), "a");
      const argv = ["--expose-gc", "--import", PROBE, CLI, "daemon", "start", "--foreground"];
      const child = spawn(process.execPath, argv, {
        cwd: s.home,
        env: { ...s.env, ...env, CCM_BENCH_TRACE: traceFile, CCM_BENCH_MEMORY: memoryFile },
        detached: true,
        stdio: ["ignore", err, err],
      });
      closeSync(err);
      child.unref();
      pid = child.pid;
      return waitUntil(() => {
        const status = s.run(["daemon", "status", "--json"]);
        return status.code === 0 && JSON.parse(status.stdout).pid === pid ? pid : undefined;
      }, 15_000);
    },
    /** The probed daemon's memory after settling: VmRSS (MiB), then V8's figures before and after a full GC. */
    async memory() {
      await sleep(3000);
      const rss = statusField(pid, "VmRSS") / 1024;
      const count = readLines(memoryFile).length;
      process.kill(pid, "SIGUSR2");
      const lines = await waitUntilAsync(() => {
        const all = readLines(memoryFile);
        return all.length > count ? all : undefined;
      }, 5_000);
      return { rss, ...lines.at(-1) };
    },
    /** Stops the daemon and the tmux server (with every agent in it), then removes the folders. Idempotent. */
    cleanup() {
      if (cleaned) return;
      cleaned = true;
      unregister();
      try {
        home.store?.close();
      } catch {}
      if (pid !== undefined) {
        const stopped = s.run(["daemon", "stop"]);
        if (stopped.code !== 0 && alive(pid)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {}
        }
      }
      const agentPids = agentProcesses(home);
      try {
        execFileSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" });
      } catch {}
      // Agents killed with the server may still be writing into the sandbox for a moment.
      const deadline = Date.now() + 5_000;
      while (agentPids.some(alive) && Date.now() < deadline) execFileSync("sleep", ["0.05"]);
      for (const p of agentPids.filter(alive)) {
        try {
          process.kill(p, "SIGKILL");
        } catch {}
      }
      s[Symbol.dispose]();
      // A process that outlived the kill (a hook mid-flight) may write into the folder as it goes: again.
      execFileSync("sleep", ["0.3"]);
      s[Symbol.dispose]();
    },
  };
  const unregister = onInterrupt(() => home.cleanup());
  try {
    check(s.run(["daemon", "init", "--yes", "--profile", profile]), "ccm daemon init");
    const configFile = join(s.ccmHome, "config.yaml");
    const config = readFileSync(configFile, "utf8")
      .replace("port: 8765", "port: 0")
      .replace("max_concurrent: 10", `max_concurrent: ${maxConcurrent}`)
      .replace("max_agents: 10", `max_agents: ${maxConcurrent}`)
      .replace("tmux_session_name: ccm", `tmux_session_name: ccm\n  tmux_socket: ${socket}`);
    if (!config.includes(`tmux_socket: ${socket}`) || !config.includes("port: 0")) {
      throw new Error(`the config written by daemon init changed shape: ${configFile}`);
    }
    writeFileSync(configFile, config, { mode: 0o600 });
    const repo = s.gitRepo("app");
    if (repo !== home.repo) throw new Error(`unexpected repository path ${repo}`);
    check(s.run(["init"], { cwd: repo }), "ccm init");
    appendFileSync(
      join(repo, ".ccm", "config.yaml"),
      "agent: demo\nstages: {planning: false, reviewing: false, verifying: false}\n",
    );
  } catch (error) {
    home.cleanup();
    throw error;
  }
  return home;
}

/** Wrapper pids and their children recorded for this home's agents (to wait for them at cleanup). */
function agentProcesses(home) {
  if (!existsSync(home.dbPath)) return [];
  try {
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
    const db = new DatabaseSync(home.dbPath, { readOnly: true });
    const pids = db
      .prepare("SELECT pid FROM agents WHERE pid IS NOT NULL")
      .all()
      .map((r) => r.pid);
    db.close();
    return pids.flatMap((p) => [p, ...childrenOf(p)]);
  } catch {
    return [];
  }
}

/** Creates tasks one at a time (`create(i)` returns { id, invokedAt? }); each must finish before the next. */
async function dispatchSeries(home, n, create) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    // The previous task is done; a random pause so creation lands anywhere in the loop's 50 ms cycle.
    await sleep(100 + Math.random() * 100);
    const { id, invokedAt } = create(i);
    const task = await waitForTask(home.store, id, ["awaiting_approval", "failed"], 60_000);
    if (task.state !== "awaiting_approval")
      throw new Error(`task #${id} ${task.state}: ${task.failure_reason}`);
    rows.push({ id, invokedAt });
  }
  const started = stageStarts(home.logFile);
  return rows.map(({ id, invokedAt }) => {
    const db = home.store.db;
    const created = db
      .prepare("SELECT at FROM task_transitions WHERE task_id = ? AND from_state IS NULL ORDER BY id LIMIT 1")
      .get(id).at;
    const picked = db
      .prepare(
        "SELECT at FROM task_transitions WHERE task_id = ? AND from_state = 'queued' AND to_state = 'executing' ORDER BY id LIMIT 1",
      )
      .get(id).at;
    const agent = db
      .prepare("SELECT started_at FROM agents WHERE task_id = ? AND stage = 'executing' ORDER BY id LIMIT 1")
      .get(id).started_at;
    const window = started.get(id);
    if (window === undefined) throw new Error(`no "stage started" log line for task #${id}`);
    return { id, invokedAt: invokedAt ?? null, created, picked, agent, window };
  });
}

function summarize(rows) {
  const stat = (values) => ({
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
  });
  return {
    total: stat(rows.map((r) => r.window - r.created)),
    pick: stat(rows.map((r) => r.picked - r.created)),
    claim: stat(rows.map((r) => r.agent - r.picked)),
    start: stat(rows.map((r) => r.window - r.agent)),
    invoked: rows[0]?.invokedAt ? stat(rows.map((r) => r.window - r.invokedAt)) : null,
  };
}

/** Task id -> time of the daemon's "stage started" log line for its executing stage (epoch ms). */
function stageStarts(logFile) {
  const starts = new Map();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"stage started"')) continue;
    const entry = JSON.parse(line);
    if (entry.stage === "executing" && !starts.has(entry.taskId)) starts.set(entry.taskId, entry.time);
  }
  return starts;
}

function readLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The name a traced call is reported under: `git worktree add`, `tmux new-window`, ... */
function commandName(call) {
  const args = call.args;
  if (call.command === "tmux") {
    const verbs = call.args.filter((a) => /^[a-z]+-[a-z-]+$/.test(a));
    return `tmux ${verbs.join(" + ")}`;
  }
  if (call.command === "git") {
    // Skip global options (`-c key=value`, `-C dir`, `--no-optional-locks`) to the subcommand.
    let i = 0;
    while (i < args.length && args[i].startsWith("-")) i += args[i] === "-c" || args[i] === "-C" ? 2 : 1;
    const sub = args[i] ?? "?";
    const next = args[i + 1];
    return sub === "worktree" || sub === "rev-parse" ? `git ${sub} ${next ?? ""}`.trim() : `git ${sub}`;
  }
  return call.command;
}

/** Total length of the union of [start, end] intervals. */
function covered(intervals) {
  let total = 0;
  let reach = -Infinity;
  for (const { start, end } of [...intervals].sort((x, y) => x.start - y.start)) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

/**
 * Splits each start (agent run recorded -> window started) into time with a git call running, time with only
 * tmux calls running (tmux overlapped by git costs nothing on the path), and the rest. Tasks run one at a
 * time and the daemon starts nothing else meanwhile, so every call in that span is that start's own.
 */
function breakdownOf(runs, trace) {
  const stat = (values) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
  const perTask = runs.map((run) => {
    const calls = trace.filter((c) => c.start >= run.agent - 1 && c.end <= run.window + 1);
    const gitCalls = calls.filter((c) => c.command === "git");
    const git = covered(gitCalls);
    const tmux = covered(calls) - git;
    const overlapsGit = (c) => gitCalls.some((g) => c.start < g.end && g.start < c.end);
    return { ...run, calls, git, tmux, rest: run.window - run.agent - git - tmux, overlapsGit };
  });
  const commands = {};
  for (const t of perTask) {
    for (const c of t.calls) {
      const name = commandName(c);
      commands[name] ??= { ms: [], overlapped: 0 };
      const entry = commands[name];
      entry.ms.push(c.end - c.start);
      if (c.command !== "git" && t.overlapsGit(c)) entry.overlapped++;
    }
  }
  const count = (tool) => mean(perTask.map((t) => t.calls.filter((c) => c.command === tool).length));
  return {
    total: stat(runs.map((r) => r.window - r.created)),
    pick: stat(runs.map((r) => r.picked - r.created)),
    claim: stat(runs.map((r) => r.agent - r.picked)),
    start: stat(runs.map((r) => r.window - r.agent)),
    git: stat(perTask.map((t) => t.git)),
    tmux: stat(perTask.map((t) => t.tmux)),
    rest: stat(perTask.map((t) => t.rest)),
    gitCalls: Number(count("git").toFixed(2)),
    tmuxCalls: Number(count("tmux").toFixed(2)),
    commands: Object.fromEntries(
      Object.entries(commands).map(([name, { ms, overlapped }]) => [
        name,
        {
          ...stat(ms),
          count: Number((ms.length / runs.length).toFixed(2)),
          overlapped: overlapped > ms.length / 2,
        },
      ]),
    ),
  };
}

/** Creates `count` tasks at once and waits until each has its agent running in a window. */
async function holdAgents(home, count) {
  const ids = Array.from({ length: count }, (_, i) => home.create(`held ${i}: add a greeting`));
  const placeholders = ids.map(() => "?").join(",");
  const rows = await waitUntilAsync(() => {
    // Running = window up and the agent has printed its first line (it then sleeps SLOW_STEP_MS).
    const agents = home.store.db
      .prepare(
        `SELECT task_id, pid, log_offset FROM agents WHERE task_id IN (${placeholders}) AND stage = 'executing' AND tmux_window IS NOT NULL`,
      )
      .all(...ids);
    return agents.length === count && agents.every((a) => a.log_offset > 0) ? agents : undefined;
  }, 60_000).catch((error) => {
    const states = home.store.db
      .prepare(
        `SELECT t.id, t.state, t.failure_reason, a.tmux_window, a.log_offset FROM tasks t LEFT JOIN agents a ON a.task_id = t.id WHERE t.id IN (${placeholders})`,
      )
      .all(...ids);
    throw new Error(`${count} agents did not all start: ${error.message}: ${JSON.stringify(states)}`);
  });
  const windows = home
    .tmux("list-windows", "-t", "=ccm", "-F", "#{window_name}")
    .toString()
    .trim()
    .split("\n");
  const agentWindows = windows.filter((w) => w !== "home").length;
  if (agentWindows !== count) throw new Error(`expected ${count} agent windows, tmux lists ${agentWindows}`);
  return rows.map((a) => ({ taskId: a.task_id, wrapperPid: a.pid, agentPids: childrenOf(a.pid) }));
}

/** VmRSS of `pid` sampled every 250 ms for 3 s after `settleMs`: median, min, max (MiB). */
async function settledRss(pid, settleMs = 3000) {
  await sleep(settleMs);
  const samples = [];
  for (let i = 0; i < 12; i++) {
    samples.push(statusField(pid, "VmRSS") / 1024);
    await sleep(250);
  }
  return { median: percentile(samples, 50), min: Math.min(...samples), max: Math.max(...samples), samples };
}

const rssNote = (r) => `median of ${r.samples.length} samples, ${r.min.toFixed(1)}-${r.max.toFixed(1)}`;

/** kB value of a /proc/<pid>/status field. */
function statusField(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]);
}

/** RSS, PSS and private memory of one process (MiB). */
function processMemory(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? Number.NaN);
  return {
    pid,
    command: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, 2).join(" "),
    rss: statusField(pid, "VmRSS") / 1024,
    pss: kb("Pss") / 1024,
    private: (kb("Private_Clean") + kb("Private_Dirty")) / 1024,
  };
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

async function waitForTask(store, id, states, timeoutMs) {
  return waitUntilAsync(() => {
    const task = store.db.prepare("SELECT state, failure_reason FROM tasks WHERE id = ?").get(id);
    return states.includes(task.state) || task.state === "failed" ? task : undefined;
  }, timeoutMs);
}

async function waitUntilAsync(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}

function waitUntil(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    execFileSync("sleep", ["0.05"]);
  }
}

// Last, so every top-level const above is initialised when it runs.
if (isMain(import.meta)) {
  const { results, record } = createResults();
  const details = await benchDaemon({ record });
  printTable(results);
  console.log(`\nwritten to ${writeResults("daemon.json", results, { details })}`);
}
