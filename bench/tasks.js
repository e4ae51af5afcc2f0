// Task queue budgets of DESIGN.md §9: creating tasks, the scheduler's pick and `ccm task list` with 10,000
// tasks, as a user runs it (a whole CLI process). Env: BENCH_TASKS (default 10000), BENCH_RUNS (15).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dist, onInterrupt, percentile, ROOT, sinceMs } from "./lib.js";

const GROUP = "tasks";

export async function benchTasks({ record }) {
  const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
  const RUNS = Number(process.env.BENCH_RUNS ?? 15);
  const { openStore } = await import(dist("store/db.js"));
  const { addProject } = await import(dist("store/projects.js"));
  const { createTask, nextRunnable } = await import(dist("store/tasks.js"));
  const cli = join(ROOT, "bin", "ccm.js");

  const work = mkdtempSync(join(tmpdir(), "ccm-bench-"));
  const unregister = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  const home = join(work, "home");
  const ccmHome = join(home, ".ccm");
  mkdirSync(ccmHome, { recursive: true, mode: 0o700 });
  writeFileSync(join(ccmHome, "config.yaml"), `resources:\n  max_queue_size: ${TASKS * 2}\n`, {
    mode: 0o600,
  });
  const env = { PATH: process.env.PATH, HOME: home, CCM_HOME: ccmHome, NO_COLOR: "1", TZ: "UTC" };

  const timeCli = (args) => {
    const samples = [];
    for (let i = 0; i < RUNS + 2; i++) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [cli, ...args], {
        env,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      const ms = sinceMs(start);
      if (r.status !== 0) throw new Error(`ccm ${args.join(" ")} failed: ${r.stderr}`);
      if (i >= 2) samples.push(ms); // the first runs fill the compile cache
    }
    return samples;
  };

  try {
    // 1. Create the tasks through the store (one transaction each, as the CLI and API do).
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
    const createMs = sinceMs(start);
    record(GROUP, `create ${TASKS} tasks (store, 1 txn each)`, createMs, "ms");
    record(GROUP, "task create rate (store)", TASKS / (createMs / 1000), "tasks/s");

    // 2. The scheduler's pick with everything queued.
    const picks = 1000;
    start = process.hrtime.bigint();
    for (let i = 0; i < picks; i++) nextRunnable(store, 10);
    record(GROUP, `scheduler pick (10 of ${TASKS} queued)`, sinceMs(start) / picks, "ms");
    store.close();

    // 3. Whole CLI processes, as a user runs them.
    const bare = timeCli(["--version"]);
    record(GROUP, "ccm --version (CLI start-up) p50", percentile(bare, 50), "ms");
    const list = timeCli(["task", "list"]);
    record(GROUP, `ccm task list (${TASKS} tasks, default page) p50`, percentile(list, 50), "ms", {
      max: 200,
    });
    record(GROUP, `ccm task list (${TASKS} tasks, default page) p95`, percentile(list, 95), "ms");
    const all = timeCli(["task", "list", "--all", "--json"]);
    record(GROUP, `ccm task list --all --json (${TASKS} tasks) p50`, percentile(all, 50), "ms", { max: 200 });
    const create = timeCli(["task", "create", "-p", "bench", "--priority", "high", "one more"]);
    record(GROUP, "ccm task create p50", percentile(create, 50), "ms");
  } finally {
    unregister();
    rmSync(work, { recursive: true, force: true });
  }
}
