import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createClaudeStreamParser } from "../../src/agents/claude-code/stream-parser.js";
import { isAlive } from "../../src/runtime/test-helpers.js";
import { FAKE_CLAUDE } from "../fixtures/fake-agents/paths.js";
import { agentWorld } from "../helpers/agent-world.js";
import { rng } from "../helpers/random.js";

/**
 * The chaos harness: workflows of tasks run by the fake Claude Code (real hooks, real stream-json, real git
 * commits) through a real daemon that is SIGKILLed at seeded random moments and started again. After every
 * kill, with the daemon down, it checks what must always hold; at the end it lets everything finish and
 * checks that every task got through each of its stages exactly once.
 *
 * Invariants, each a violation when broken:
 * - the database passes PRAGMA integrity_check and foreign_key_check;
 * - no task lost: every task created is still there;
 * - no finished stage run twice: at most one `done` stage run per (task, stage);
 * - stream events exactly once: for each agent, the events stored equal what the parser makes of its log
 *   up to the stored offset (a duplicate or a gap shows as a difference);
 * - no hook event lost: every hook call the agents completed (the fake agent's ledger), including the ones
 *   made while the daemon was down, has its event row;
 * - agents re-adopted: no agent is marked lost, and every task ends merged (the harness approves tasks as
 *   they reach awaiting_approval, so dependencies are exercised too).
 */

export interface ChaosOptions {
  trials: number;
  seed: number;
  tasksPerWorkflow?: number;
  maxConcurrent?: number;
  /** Longest time the daemon runs before it is killed. */
  maxUpMs?: number;
  log?: (line: string) => void;
}

export interface ChaosFigures {
  seed: number;
  trials: number;
  workflows: number;
  tasks: number;
  merged: number;
  stageRuns: number;
  agents: number;
  hookCalls: number;
  hookCallsWhileDown: number;
  hookEvents: number;
  streamEvents: number;
  /** Agents still running when the daemon was killed, found again by the next daemon. */
  agentsAcrossKills: number;
  elapsedMs: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
const STAGES = ["planning", "executing", "reviewing", "verifying"] as const;

interface TaskRow {
  id: number;
  state: string;
  failure_reason: string | null;
}

export async function runChaos(stack: AsyncDisposableStack, options: ChaosOptions): Promise<ChaosFigures> {
  const started = Date.now();
  const random = rng(options.seed).next;
  const log = options.log ?? (() => {});
  const perWorkflow = options.tasksPerWorkflow ?? 20;
  const maxUpMs = options.maxUpMs ?? 2500;
  const w = agentWorld(stack, `\n  claude_code:\n    command: ${FAKE_CLAUDE}\n    args: []\n`);
  const configFile = join(w.ccmHome, "config.yaml");
  writeFileSync(
    configFile,
    readFileSync(configFile, "utf8").replace(
      "max_concurrent: 10",
      `max_concurrent: ${options.maxConcurrent ?? 4}`,
    ),
  );
  const repo = w.gitRepo("chaos");
  w.run(["init"], { cwd: repo });
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    "name: chaos\nbase_branch: main\nagent: claude-code\npermission_mode: bypassPermissions\nverify: git log -1 --format=%s\n",
  );
  const ledger = join(w.root, "hook-ledger.jsonl");
  const script = join(w.root, "agent-script.json");
  writeFileSync(
    script,
    JSON.stringify([
      { sleep: 100 },
      {
        bash: 'printf "%s\\n" "$CCM_TASK_ID $RANDOM" >> "work-$CCM_TASK_ID.txt" && git add -A && git commit -qm "work on $CCM_TASK_ID"',
      },
      { sleep: 100 },
      { text: "Done." },
    ]),
  );
  const daemonEnv = { FAKE_AGENT_SCRIPT: script, FAKE_AGENT_HOOK_LEDGER: ledger };
  const dbPath = join(w.ccmHome, "ccm.db");

  const violations: string[] = [];
  const created: number[] = [];
  let workflows = 0;
  let hookCallsWhileDown = 0;
  let agentsAcrossKills = 0;

  const newWorkflow = () => {
    workflows++;
    const ids: number[] = [];
    for (let i = 0; i < perWorkflow; i++) {
      const args = ["task", "create", "-p", "chaos", "--priority", PRIORITIES[Math.floor(random() * 4)]!];
      if (ids.length > 0 && random() < 0.3) {
        args.push("--depends-on", String(ids[Math.floor(random() * ids.length)]));
      }
      if (random() < 0.3) args.push("--skip", random() < 0.5 ? "planning" : "planning,reviewing");
      args.push(`chaos workflow ${workflows} task ${i + 1}`);
      ids.push(w.json<{ id: number }>(args).id);
    }
    created.push(...ids);
    log(`workflow ${workflows}: tasks ${ids[0]}..${ids.at(-1)}`);
  };

  const readTasks = (): TaskRow[] => {
    const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 10_000 });
    try {
      return db
        .prepare("SELECT id, state, failure_reason FROM tasks ORDER BY id")
        .all() as unknown as TaskRow[];
    } finally {
      db.close();
    }
  };

  /** Approves what waits for approval (the user's part of the workflow); a daemon need not be up. */
  const approveWaiting = () => {
    for (const task of readTasks()) {
      if (task.state !== "awaiting_approval") continue;
      const result = w.run(["task", "approve", String(task.id)]);
      if (result.code !== 0)
        violations.push(`approve #${task.id} failed (${result.code}): ${result.stderr.trim()}`);
    }
  };

  const ledgerLines = () =>
    existsSync(ledger)
      ? readFileSync(ledger, "utf8")
          .split("\n")
          .filter((l) => l !== "").length
      : 0;

  const check = (when: string) => {
    const found = checkInvariants(dbPath, ledger, created);
    for (const v of found) violations.push(`${when}: ${v}`);
  };

  newWorkflow();
  let trials = 0;
  while (trials < options.trials) {
    const start = w.run(["daemon", "start", "--json"], { env: daemonEnv });
    if (start.code !== 0) {
      violations.push(`trial ${trials + 1}: daemon start failed: ${start.stderr.trim()}`);
      break;
    }
    const { pid } = JSON.parse(start.stdout) as { pid: number };
    const upUntil = Date.now() + 150 + random() * maxUpMs;
    while (Date.now() < upUntil) {
      approveWaiting();
      await sleep(Math.max(0, Math.min(250, upUntil - Date.now())));
    }
    process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await sleep(10);
    trials++;
    agentsAcrossKills += activeAgents(dbPath);
    check(`after kill ${trials}`);
    const ledgerBefore = ledgerLines();
    await sleep(random() * 1200); // agents keep working (and calling hooks) with no daemon
    hookCallsWhileDown += ledgerLines() - ledgerBefore;
    approveWaiting();
    const tasks = readTasks();
    if (tasks.every((t) => ["merged", "failed", "cancelled", "rejected"].includes(t.state))) newWorkflow();
  }

  // Let everything finish with a daemon that stays up.
  w.run(["daemon", "start"], { env: daemonEnv });
  const deadline = Date.now() + 90_000 + created.length * 2_000;
  for (;;) {
    approveWaiting();
    const tasks = readTasks();
    if (tasks.every((t) => ["merged", "failed", "cancelled", "rejected"].includes(t.state))) break;
    if (Date.now() > deadline) {
      const stuck = tasks.filter((t) => t.state !== "merged").map((t) => `#${t.id} ${t.state}`);
      violations.push(`not finished in time: ${stuck.join(", ")}`);
      break;
    }
    await sleep(300);
  }
  w.run(["daemon", "stop"]);
  await waitForAgentsToEnd(dbPath);
  check("at the end");
  const final = finalFigures(dbPath, created);
  violations.push(...final.violations);
  if (violations.length > 0) {
    // What the daemons said about agents they lost or adopted: the first place to look.
    const daemonLog = join(w.ccmHome, "logs", "daemon.log");
    const said = existsSync(daemonLog)
      ? readFileSync(daemonLog, "utf8")
          .split("\n")
          .filter((l) => /lost|adopted|superseded|"level":(50|60)/.test(l))
      : [];
    if (said.length > 0) log(`daemon log:\n${said.slice(0, 40).join("\n")}`);
  }
  const figures: ChaosFigures = {
    seed: options.seed,
    trials,
    workflows,
    tasks: created.length,
    merged: final.merged,
    stageRuns: final.stageRuns,
    agents: final.agents,
    hookCalls: ledgerLines(),
    hookCallsWhileDown,
    hookEvents: final.hookEvents,
    streamEvents: final.streamEvents,
    agentsAcrossKills,
    elapsedMs: Date.now() - started,
    violations,
  };
  return figures;
}

function activeAgents(dbPath: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 10_000 });
  try {
    const row = db
      .prepare("SELECT count(*) AS n FROM agents WHERE status NOT IN ('exited', 'lost')")
      .get() as {
      n: number;
    };
    return row.n;
  } finally {
    db.close();
  }
}

async function waitForAgentsToEnd(dbPath: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (activeAgents(dbPath) > 0 && Date.now() < deadline) await sleep(100);
}

/** What must hold at any moment the daemon is down. */
export function checkInvariants(dbPath: string, ledger: string, created: readonly number[]): string[] {
  const found: string[] = [];
  // The ledger first: agents go on calling hooks while this runs, and a ledger line is written only after
  // its hook committed, so every line read now has its row by the time the database is read.
  const lines = existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n") : [];
  const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 10_000 });
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]!.integrity_check !== "ok") {
      found.push(`integrity_check: ${integrity.map((r) => r.integrity_check).join("; ")}`);
    }
    const fk = db.prepare("PRAGMA foreign_key_check").all();
    if (fk.length > 0) found.push(`foreign_key_check: ${JSON.stringify(fk).slice(0, 300)}`);

    const ids = new Set((db.prepare("SELECT id FROM tasks").all() as { id: number }[]).map((r) => r.id));
    const lost = created.filter((id) => !ids.has(id));
    if (lost.length > 0) found.push(`tasks lost: ${lost.join(", ")}`);

    const twice = db
      .prepare(
        "SELECT task_id, stage, count(*) AS n FROM stage_runs WHERE status = 'done' GROUP BY task_id, stage HAVING n > 1",
      )
      .all() as { task_id: number; stage: string; n: number }[];
    for (const r of twice) found.push(`stage ${r.stage} of #${r.task_id} finished ${r.n} times`);

    const agents = db
      .prepare("SELECT id, kind, run_dir, log_offset FROM agents WHERE kind = 'claude-code'")
      .all() as { id: number; kind: string; run_dir: string; log_offset: number }[];
    const countStream = db.prepare(
      "SELECT count(*) AS n FROM events WHERE agent_id = ? AND source = 'stream'",
    );
    for (const agent of agents) {
      const expected = parsedEvents(join(agent.run_dir, "stream.log"), agent.log_offset);
      const stored = (countStream.get(agent.id) as { n: number }).n;
      if (stored !== expected) {
        found.push(
          `agent ${agent.id}: ${stored} stream events stored, its log up to the offset makes ${expected}`,
        );
      }
    }

    const stored = new Map<string, number>();
    const hookRows = db
      .prepare(
        "SELECT event, session_id, json_extract(payload, '$.tool_use_id') AS tool_use_id FROM events WHERE source = 'hook' AND valid = 1",
      )
      .all() as { event: string; session_id: string | null; tool_use_id: string | null }[];
    for (const r of hookRows) {
      const key = `${r.event}|${r.session_id}|${r.tool_use_id}`;
      stored.set(key, (stored.get(key) ?? 0) + 1);
    }
    const called = new Map<string, number>();
    for (const line of lines) {
      if (line === "") continue;
      const entry = JSON.parse(line) as {
        event: string;
        session_id: string;
        tool_use_id: string | null;
        exitCode: number;
      };
      // 0 and 2 are the hook's answers; anything else means it did not run to its end (it could not
      // even start, say), so there is no promise that it stored anything.
      if (entry.exitCode !== 0 && entry.exitCode !== 2) continue;
      const key = `${entry.event}|${entry.session_id}|${entry.tool_use_id}`;
      called.set(key, (called.get(key) ?? 0) + 1);
    }
    for (const [key, n] of called) {
      const have = stored.get(key) ?? 0;
      if (have < n) found.push(`hook event lost: ${key} called ${n} times, stored ${have}`);
    }
  } finally {
    db.close();
  }
  return found;
}

/** How many stream events the Claude Code parser makes of the log's first `offset` bytes. */
function parsedEvents(log: string, offset: number): number {
  if (offset === 0 || !existsSync(log)) return 0;
  const text = readFileSync(log).subarray(0, offset).toString("utf8");
  const parser = createClaudeStreamParser();
  let count = 0;
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    for (const update of parser.parseLine(line)) {
      if (update.kind !== "session" && update.kind !== "status" && update.kind !== "result") count++;
    }
  }
  return count;
}

function finalFigures(
  dbPath: string,
  created: readonly number[],
): {
  merged: number;
  stageRuns: number;
  agents: number;
  hookEvents: number;
  streamEvents: number;
  violations: string[];
} {
  const violations: string[] = [];
  const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 10_000 });
  try {
    const tasks = db
      .prepare("SELECT id, state, failure_reason, options FROM tasks")
      .all() as unknown as (TaskRow & {
      options: string | null;
    })[];
    for (const t of tasks) {
      if (t.state !== "merged") violations.push(`task #${t.id} ended ${t.state}: ${t.failure_reason ?? ""}`);
    }
    const runs = db.prepare("SELECT task_id, stage, status FROM stage_runs").all() as {
      task_id: number;
      stage: string;
      status: string;
    }[];
    for (const id of created) {
      const task = tasks.find((t) => t.id === id);
      const switches = task?.options
        ? ((JSON.parse(task.options) as { stages?: Record<string, boolean> }).stages ?? {})
        : {};
      for (const stage of STAGES) {
        const done = runs.filter((r) => r.task_id === id && r.stage === stage && r.status === "done").length;
        const want = switches[stage] === false ? 0 : 1;
        if (task?.state === "merged" && done !== want) {
          violations.push(`task #${id}: stage ${stage} done ${done} times, expected ${want}`);
        }
      }
    }
    // A run the daemon died before starting is rightly lost (its stage starts again); one whose agent ran
    // (the wrapper wrote its log or exit) should have been re-adopted.
    const lostAgents = db.prepare("SELECT id, task_id, run_dir FROM agents WHERE status = 'lost'").all() as {
      id: number;
      task_id: number;
      run_dir: string;
    }[];
    for (const a of lostAgents) {
      const ran = ["stream.log", "exit.json"].filter(
        (f) => a.run_dir !== "" && existsSync(join(a.run_dir, f)),
      );
      if (ran.length > 0)
        violations.push(`agent ${a.id} (task #${a.task_id}) ran (${ran.join(", ")}) but was marked lost`);
    }
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      merged: tasks.filter((t) => t.state === "merged").length,
      stageRuns: runs.length,
      agents: count("SELECT count(*) AS n FROM agents"),
      hookEvents: count("SELECT count(*) AS n FROM events WHERE source = 'hook'"),
      streamEvents: count("SELECT count(*) AS n FROM events WHERE source = 'stream'"),
      violations,
    };
  } finally {
    db.close();
  }
}

/** One line per figure, for the test log. */
export function formatFigures(f: ChaosFigures): string {
  const rows: [string, string | number][] = [
    ["seed", f.seed],
    ["daemon kills (trials)", f.trials],
    ["workflows / tasks", `${f.workflows} / ${f.tasks}`],
    ["tasks merged", f.merged],
    ["stage runs", f.stageRuns],
    ["agent runs", f.agents],
    ["agents running at a kill (re-adopted)", f.agentsAcrossKills],
    ["hook calls by agents (ledger)", f.hookCalls],
    ["  of which while the daemon was down", f.hookCallsWhileDown],
    ["hook events stored", f.hookEvents],
    ["stream events stored", f.streamEvents],
    ["violations", f.violations.length],
    ["elapsed", `${(f.elapsedMs / 1000).toFixed(1)} s`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(40)} ${v}`).join("\n");
}
