// The budgets of DESIGN.md §9 (and the issues' own), each tied to the benchmark row that measures it, so
// `npm run bench` ends with one table of every budget: measured value, budget, pass / MISS / not measured.
// A budget whose suite did not run (BENCH_ONLY) or failed shows as "not measured", never as passing.

/** [budget as written, suite, group, row name (a prefix is enough)] */
export const BUDGETS = [
  ["hook round trip <= 1.3 x bare `node -e 0`, p50", "hooks", "hooks", "command hook / bare, p50"],
  [
    "event ingestion >= 20,000 events/s",
    "hooks",
    "hooks",
    "ingest: 20 writer processes, 1 event per transaction",
  ],
  [
    "queued task -> tmux window started <= 150 ms (p95)",
    "daemon",
    "dispatch",
    "task via `ccm task create`, p95",
  ],
  ["daemon idle RSS, minimal profile <= 45 MB", "daemon", "memory", "daemon idle RSS, minimal profile"],
  ["daemon idle RSS, full profile <= 90 MB", "daemon", "memory", "daemon idle RSS, full profile"],
  [
    "orchestrator overhead per running agent <= 5 MB",
    "daemon",
    "memory",
    "daemon overhead per running agent",
  ],
  ["`ccm task list` with 10,000 tasks <= 200 ms", "tasks", "", "ccm task list --all --json"],
  ["API p99 <= 50 ms at 200 requests/s", "webui", "web UI and API", "API p99 at"],
  ["hook event visible in the web UI <= 250 ms p95", "webui", "web UI and API", "hook -> SSE client p95"],
  ["quota: incremental refresh <= 1 s (issue 6)", "quota", "", "incremental refresh"],
];

/** One row per budget: the matching result (by group prefix and name prefix) or "not measured". */
export function budgetRows(results, ran) {
  return BUDGETS.map(([budget, suite, group, name]) => {
    const result = results.find(
      (r) => r.budget !== null && r.group.startsWith(group) && r.name.startsWith(name),
    );
    if (!result || !ran.has(suite))
      return { budget, suite, value: null, unit: null, verdict: "not measured" };
    return { budget, suite, value: result.value, unit: result.unit, verdict: result.pass ? "pass" : "MISS" };
  });
}

export function printBudgets(rows) {
  const width = Math.max(...rows.map((r) => r.budget.length));
  console.log(`\nDESIGN.md §9 budgets\n${"budget".padEnd(width)}  ${"measured".padStart(14)}  verdict`);
  for (const r of rows) {
    const value = r.value === null ? "-" : `${r.value} ${r.unit}`;
    console.log(`${r.budget.padEnd(width)}  ${value.padStart(14)}  ${r.verdict}`);
  }
}
