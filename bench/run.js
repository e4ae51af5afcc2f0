// `npm run bench`: measures the budgets of DESIGN.md §9 that exist so far and prints them as a table,
// also written as JSON to .bench/results.json for comparison between commits. Runs the built code (dist/).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "../dist/store/db.js";
import { addProject } from "../dist/store/projects.js";
import { createTask, nextRunnable } from "../dist/store/tasks.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "bin", "ccm.js");
const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const work = mkdtempSync(join(tmpdir(), "ccm-bench-"));
const home = join(work, "home");
const ccmHome = join(home, ".ccm");
mkdirSync(ccmHome, { recursive: true, mode: 0o700 });
writeFileSync(join(ccmHome, "config.yaml"), `resources:\n  max_queue_size: ${TASKS * 2}\n`, { mode: 0o600 });
const env = { PATH: process.env.PATH, HOME: home, CCM_HOME: ccmHome, NO_COLOR: "1", TZ: "UTC" };

const results = [];
const record = (name, value, unit, budget) => {
  const pass = budget === undefined ? null : value <= budget;
  results.push({ name, value: Number(value.toFixed(3)), unit, budget: budget ?? null, pass });
};

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const timeCli = (args) => {
  const samples = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, ...args], {
      env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`ccm ${args.join(" ")} failed: ${r.stderr}`);
    if (i >= 2) samples.push(ms); // the first runs fill the compile cache
  }
  return samples;
};

try {
  // 1. Create 10,000 tasks through the store (one transaction each, as the CLI and API do).
  const store = openStore(join(ccmHome, "ccm.db"));
  addProject(store, { name: "bench", path: join(work, "repo") });
  const priorities = ["urgent", "high", "normal", "low"];
  let start = process.hrtime.bigint();
  for (let i = 0; i < TASKS; i++) {
    createTask(
      store,
      { project: "bench", prompt: `Benchmark task ${i}: do something useful`, priority: priorities[i % 4] },
      { maxQueueSize: TASKS + 1 },
    );
  }
  const createMs = Number(process.hrtime.bigint() - start) / 1e6;
  record(`create ${TASKS} tasks (store, 1 txn each)`, createMs, "ms");
  record("task create rate", TASKS / (createMs / 1000), "tasks/s");

  // 2. The scheduler's pick with everything queued.
  const picks = 1000;
  start = process.hrtime.bigint();
  for (let i = 0; i < picks; i++) nextRunnable(store, 10);
  record(
    `scheduler pick (10 of ${TASKS} queued)`,
    Number(process.hrtime.bigint() - start) / 1e6 / picks,
    "ms",
  );
  store.close();

  // 3. `ccm task list` as a user runs it: a whole CLI process.
  const bare = timeCli(["--version"]);
  record("ccm --version (CLI start-up) p50", percentile(bare, 50), "ms");
  const list = timeCli(["task", "list"]);
  record(`ccm task list (${TASKS} tasks, default page) p50`, percentile(list, 50), "ms", 200);
  record(`ccm task list (${TASKS} tasks, default page) p95`, percentile(list, 95), "ms");
  const all = timeCli(["task", "list", "--all", "--json"]);
  record(`ccm task list --all --json (${TASKS} tasks) p50`, percentile(all, 50), "ms", 200);
  const create = timeCli(["task", "create", "-p", "bench", "--priority", "high", "one more"]);
  record("ccm task create p50", percentile(create, 50), "ms");
} finally {
  rmSync(work, { recursive: true, force: true });
}

const width = Math.max(...results.map((r) => r.name.length));
console.log(`${"benchmark".padEnd(width)}  ${"value".padStart(10)}  unit      budget   result`);
for (const r of results) {
  const verdict = r.pass === null ? "" : r.pass ? "pass" : "MISS";
  console.log(
    `${r.name.padEnd(width)}  ${String(r.value).padStart(10)}  ${r.unit.padEnd(8)}  ${String(r.budget ?? "-").padStart(6)}   ${verdict}`,
  );
}
mkdirSync(join(root, ".bench"), { recursive: true });
const out = join(root, ".bench", "results.json");
writeFileSync(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.versions.node, results }, null, 2)}\n`,
);
console.log(`\nwritten to ${out}`);
