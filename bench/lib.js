// Shared by every benchmark module: how a measurement is recorded, percentiles, the table and the JSON file.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const dist = (path) => join(ROOT, "dist", path);

/** True when `meta` (a module's import.meta) is the script node was started with. */
export const isMain = (meta) =>
  process.argv[1] !== undefined && meta.url === pathToFileURL(process.argv[1]).href;

/**
 * One list of results. A budget is `{ max }` (value must be <= max) or `{ min }` (>= min), as in DESIGN.md §9;
 * a result without a budget is context for the ones with one.
 */
export function createResults() {
  const results = [];
  return {
    results,
    record(group, name, value, unit, budget, note) {
      if (!Number.isFinite(value)) throw new Error(`${name}: not a number (${value})`);
      const pass =
        budget === undefined || budget === null
          ? null
          : "max" in budget
            ? value <= budget.max
            : value >= budget.min;
      results.push({
        group,
        name,
        value: round(value),
        unit,
        budget: budget
          ? "max" in budget
            ? { op: "<=", value: budget.max }
            : { op: ">=", value: budget.min }
          : null,
        pass,
        note: note ?? null,
      });
    },
  };
}

/**
 * Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it (p95 of 20
 * samples is the 19th smallest, p50 of 20 the 10th).
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values) => percentile(values, 50);
export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

export function round(value) {
  return Number(value.toFixed(Math.abs(value) >= 100 ? 1 : 3));
}

export const sinceMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function printTable(results) {
  const nameWidth = Math.max(9, ...results.map((r) => r.name.length));
  const budgetOf = (r) => (r.budget ? `${r.budget.op} ${r.budget.value}` : "-");
  const budgetWidth = Math.max(6, ...results.map((r) => budgetOf(r).length));
  const lines = [
    `${"benchmark".padEnd(nameWidth)}  ${"value".padStart(10)}  ${"unit".padEnd(8)}  ${"budget".padStart(budgetWidth)}  result  note`,
  ];
  // Grouped in the order each group first appears; rows keep the order they were recorded in.
  const groups = [...new Set(results.map((r) => r.group))];
  const ordered = groups.flatMap((g) => results.filter((r) => r.group === g));
  let group;
  for (const r of ordered) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`-- ${group}`);
    }
    const verdict = r.pass === null ? "" : r.pass ? "pass" : "MISS";
    lines.push(
      `${r.name.padEnd(nameWidth)}  ${String(r.value).padStart(10)}  ${r.unit.padEnd(8)}  ${budgetOf(r).padStart(budgetWidth)}  ${verdict.padEnd(6)}  ${r.note ?? ""}`.trimEnd(),
    );
  }
  console.log(lines.join("\n"));
}

/** Writes .bench/<name> with the machine's facts beside the results; returns its path. */
export function writeResults(name, results, extra = {}) {
  mkdirSync(join(ROOT, ".bench"), { recursive: true });
  const out = join(ROOT, ".bench", name);
  const meta = {
    at: new Date().toISOString(),
    node: process.versions.node,
    execPath: process.execPath,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
  };
  writeFileSync(out, `${JSON.stringify({ ...meta, ...extra, results }, null, 2)}\n`);
  return out;
}

const cleanups = new Set();
let handlersInstalled = false;

/**
 * Registers synchronous clean-up (stop a daemon, kill a tmux server, remove a folder) that must also run when
 * the benchmark is interrupted (Ctrl-C, SIGTERM), where `finally` blocks never run. Returns the unregister.
 */
export function onInterrupt(cleanup) {
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: cleaning up\n`);
        for (const fn of [...cleanups].reverse()) {
          try {
            fn();
          } catch (error) {
            process.stderr.write(`clean-up failed: ${error.message}\n`);
          }
        }
        process.exit(130);
      });
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
