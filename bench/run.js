// `npm run bench`: every budget of DESIGN.md §9 that can be measured so far, in one run, as one table, also
// written as JSON to .bench/results.json for comparison between commits. Runs the built code (dist/).
//   tasks  (bench/tasks.js)  task create, scheduler pick, `ccm task list` with 10,000 tasks
//   hooks  (bench/hooks.js)  hook round trip against bare node, http hooks, event ingestion
//   guard  (bench/guard.js)  guard decision time in-process, hook round trip with/without the guard
//   daemon (bench/daemon.js) dispatch latency with its breakdown, daemon RSS idle and per running agent
//   lifecycle (bench/lifecycle.js) the resource-limit check per task and the post-run git observation
//   quota  (bench/quota.js)  transcript reader over 1 GB: first scan, incremental refresh, vs ccusage
//   webui  (bench/webui.js)  API p50/p99 at 200 req/s, hook -> SSE delivery, dashboard first render, bundle size
//   automations (bench/automations.js) a shell automation's cost per hook call, ccm_field's ways
// BENCH_ONLY=tasks,daemon runs a subset; each module documents its own env knobs.
import { existsSync } from "node:fs";
import { benchAutomations } from "./automations.js";
import { budgetRows, printBudgets } from "./budgets.js";
import { benchDaemon } from "./daemon.js";
import { benchGuard } from "./guard.js";
import { benchHooks } from "./hooks.js";
import { createResults, dist, printTable, round, sinceMs, writeResults } from "./lib.js";
import { benchLifecycle } from "./lifecycle.js";
import { benchQuota } from "./quota.js";
import { benchTasks } from "./tasks.js";
import { benchWebui } from "./webui.js";

if (!existsSync(dist("hooks/entry.js"))) {
  process.stderr.write("bench/run.js: dist/ is missing; run `npm run build` first (npm run bench does)\n");
  process.exit(1);
}

const SUITES = {
  tasks: benchTasks,
  hooks: benchHooks,
  guard: benchGuard,
  daemon: benchDaemon,
  lifecycle: benchLifecycle,
  quota: benchQuota,
  webui: benchWebui,
  automations: benchAutomations,
};
const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const { results, record } = createResults();
const details = {};
const durations = {};
const failures = [];
for (const [name, run] of Object.entries(SUITES)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name} ...\n`);
  const start = process.hrtime.bigint();
  try {
    const detail = await run({ record });
    if (detail !== undefined) details[name] = detail;
  } catch (error) {
    // The other suites still run; the failure is printed, written and makes the exit code 1.
    failures.push({ suite: name, error: String(error?.stack ?? error) });
    process.stderr.write(`bench: ${name} failed: ${error?.stack ?? error}\n`);
  }
  durations[name] = round(sinceMs(start) / 1000);
  process.stderr.write(`bench: ${name} done in ${durations[name]} s\n`);
}

printTable(results);
const ran = new Set(Object.keys(durations).filter((name) => !failures.some((f) => f.suite === name)));
const budgets = budgetRows(results, ran);
printBudgets(budgets);
const misses = results.filter((r) => r.pass === false).map((r) => `${r.group}: ${r.name}`);
const out = writeResults("results.json", results, {
  budgets,
  durationsSeconds: durations,
  misses,
  failures,
  details,
});
console.log(
  `\n${results.filter((r) => r.pass !== null).length} budgets checked, ${misses.length} missed; suites took ${Object.entries(
    durations,
  )
    .map(([n, s]) => `${n} ${s} s`)
    .join(", ")}`,
);
if (failures.length > 0) console.log(`FAILED: ${failures.map((f) => f.suite).join(", ")} (see above)`);
console.log(`written to ${out}`);
if (failures.length > 0) process.exitCode = 1;
