// Worktree lifecycle costs (issue 4): the resource-limit check the daemon runs every
// safety.limits.check_every_seconds per working task (a walk of the worktree plus `git rev-list --count`),
// and the post-run git checks (one observation before and one after each stage). No DESIGN budget: they
// are context for choosing the check interval. Env: BENCH_LIMIT_FILES (default 2000,20000), BENCH_RUNS (15).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createResults, dist, isMain, median, onInterrupt, percentile, printTable, sinceMs } from "./lib.js";

const GROUP = "lifecycle";

function makeRepo(dir, files) {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  const git = (...args) => execFileSync("git", args, { cwd: dir, env, stdio: "pipe" });
  mkdirSync(dir, { recursive: true });
  git("init", "-q", "-b", "main");
  // 100 files a folder, 1 KiB each: the shape of a source tree (node_modules is many small files too).
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), "x".repeat(1024));
  }
  git("add", "-A");
  git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "files");
  return git("rev-parse", "HEAD").toString().trim();
}

export async function benchLifecycle({ record }) {
  const sizes = (process.env.BENCH_LIMIT_FILES ?? "2000,20000").split(",").map(Number);
  const RUNS = Number(process.env.BENCH_RUNS ?? 15);
  const { measureWorktree } = await import(dist("runtime/limits.js"));
  const { captureGitState } = await import(dist("runtime/git-checks.js"));
  const work = mkdtempSync(join(tmpdir(), "ccm-bench-lifecycle-"));
  const unregister = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  const detail = {};
  try {
    for (const files of sizes) {
      const repo = join(work, `repo-${files}`);
      const base = makeRepo(repo, files);
      const limits = [];
      const cpu = [];
      const observe = [];
      for (let i = 0; i < RUNS + 1; i++) {
        let start = process.hrtime.bigint();
        const cpuStart = process.cpuUsage();
        const m = await measureWorktree(repo, base, "main");
        const ms = sinceMs(start);
        const used = process.cpuUsage(cpuStart);
        if (m.files !== files) throw new Error(`walk found ${m.files} files, expected ${files}`);
        start = process.hrtime.bigint();
        await captureGitState(repo);
        const obs = sinceMs(start);
        if (i > 0) {
          limits.push(ms);
          cpu.push((used.user + used.system) / 1000);
          observe.push(obs);
        }
      }
      record(GROUP, `limit check, ${files} files (wall p50)`, median(limits), "ms");
      record(GROUP, `limit check, ${files} files (wall p95)`, percentile(limits, 95), "ms");
      const cpuP50 = median(cpu);
      record(
        GROUP,
        `limit check, ${files} files (daemon CPU p50)`,
        cpuP50,
        "ms",
        null,
        "git rev-list not included",
      );
      record(
        GROUP,
        `limit check CPU share, ${files} files`,
        (cpuP50 / 5000) * 100,
        "% core",
        null,
        "per working task, every 5 s (default)",
      );
      record(
        GROUP,
        `post-run git observation, ${files} files (p50)`,
        median(observe),
        "ms",
        null,
        "twice a stage",
      );
      detail[files] = { limits, cpu, observe };
    }
    return detail;
  } finally {
    rmSync(work, { recursive: true, force: true });
    unregister();
  }
}

if (isMain(import.meta)) {
  const { results, record } = createResults();
  await benchLifecycle({ record });
  printTable(results);
}
