// Guard overhead per PreToolUse (issue 4): `benchGuard()` for `npm run bench`, or `node bench/guard.js` alone.
// 1. in-process decision time (decideToolCall, realpath included) over the escape and benign corpora, p50/p99;
// 2. the hook process round trip for a benign Bash PreToolUse with the guard (CCM_GUARD_FILE) and without,
//    interleaved sample by sample. Env: BENCH_GUARD_SAMPLES (default 40), BENCH_GUARD_ROUNDS (default 20).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createResults,
  dist,
  isMain,
  onInterrupt,
  percentile,
  printTable,
  ROOT,
  writeResults,
} from "./lib.js";

const GROUP = "guard";

export async function benchGuard({ record }) {
  const SAMPLES = Number(process.env.BENCH_GUARD_SAMPLES ?? 40);
  const ROUNDS = Number(process.env.BENCH_GUARD_ROUNDS ?? 20);
  const { buildGuardFile, parseGuardFile, policyOf } = await import(dist("safety/guard-file.js"));
  const { decideToolCall } = await import(dist("safety/guard.js"));
  const { openStore } = await import(dist("store/db.js"));
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ccm-bench-guard-")));
  const unregister = onInterrupt(() => rmSync(root, { recursive: true, force: true }));
  try {
    const home = join(root, "home");
    const project = join(root, "project");
    const ccmHome = join(root, "ccm-home");
    const worktree = join(project, ".ccm", "worktrees", "task-1");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    mkdirSync(project, { recursive: true });
    mkdirSync(ccmHome, { recursive: true });
    const git = (...args) =>
      execFileSync("git", args, {
        cwd: project,
        stdio: "pipe",
        env: {
          ...process.env,
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_AUTHOR_NAME: "b",
          GIT_AUTHOR_EMAIL: "b@b",
          GIT_COMMITTER_NAME: "b",
          GIT_COMMITTER_EMAIL: "b@b",
        },
      });
    writeFileSync(join(project, "README.md"), "x\n");
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-qm", "x");
    git("worktree", "add", "-q", "-b", "ccm/task-1", worktree);
    const guardFile = join(ccmHome, "guard.json");
    writeFileSync(
      guardFile,
      JSON.stringify(
        buildGuardFile({
          worktree,
          home,
          branch: "ccm/task-1",
          ccmHome,
          projectDir: project,
          enabled: true,
          allowWrite: [],
          allowRead: [],
          denyRead: [],
        }),
      ),
    );
    const realpath = (p) => {
      try {
        return realpathSync.native(p);
      } catch {
        return undefined;
      }
    };
    const env = { PATH: process.env.PATH, HOME: home, CCM_HOME: ccmHome };
    const fill = (t) =>
      t
        .replace(/(?<!\$)\{WT\}/g, worktree)
        .replace(/(?<!\$)\{HOME\}/g, home)
        .replace(/(?<!\$)\{PROJECT\}/g, project)
        .replace(/(?<!\$)\{CCM_HOME\}/g, ccmHome)
        .replace(/(?<!\$)\{ROOT\}/g, root);
    const calls = [];
    for (const name of ["escape.json", "benign.json"]) {
      const corpus = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "guard-corpus", name), "utf8"));
      for (const e of corpus.entries)
        calls.push(
          "bash" in e
            ? { tool: "Bash", input: { command: fill(e.bash) } }
            : { tool: e.tool, input: JSON.parse(fill(JSON.stringify(e.input))) },
        );
      for (const t of corpus.matrix?.templates ?? [])
        for (const target of corpus.matrix.targets)
          calls.push({ tool: "Bash", input: { command: fill(t.replaceAll("{T}", target)) } });
    }
    // In-process: the policy is loaded once per hook process, as the hook does; each call timed alone.
    const policy = policyOf(parseGuardFile(readFileSync(guardFile, "utf8")), realpath);
    const times = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const call of calls) {
        const start = process.hrtime.bigint();
        decideToolCall({ ...call, cwd: worktree }, { policy, io: { realpath }, env });
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    record(
      GROUP,
      `decision in-process p50 (${calls.length} corpus calls x ${ROUNDS})`,
      percentile(times, 50),
      "ms",
    );
    record(GROUP, "decision in-process p99", percentile(times, 99), "ms");

    // The hook process with and without the guard.
    const store = openStore(join(ccmHome, "ccm.db"));
    const payload = JSON.stringify({
      session_id: "s",
      transcript_path: "/dev/null",
      cwd: worktree,
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "npm test 2>&1 | tail -20 && git status", description: "x" },
      tool_use_id: "t",
    });
    const base = { ...env, CCM_DB: store.path };
    const variants = {
      without: () => timeHook(base, payload),
      with: () => timeHook({ ...base, CCM_GUARD_FILE: guardFile }, payload),
    };
    const samples = { without: [], with: [] };
    for (let i = 0; i < SAMPLES + 3; i++) {
      for (const name of Math.random() < 0.5 ? ["with", "without"] : ["without", "with"]) {
        const ms = await variants[name]();
        if (i >= 3) samples[name].push(ms);
      }
    }
    store.close();
    for (const name of ["without", "with"]) {
      record(GROUP, `hook round trip ${name} guard p50`, percentile(samples[name], 50), "ms");
      record(GROUP, `hook round trip ${name} guard p99`, percentile(samples[name], 99), "ms");
    }
    record(
      GROUP,
      "guard overhead per PreToolUse (round trip p50 difference)",
      percentile(samples.with, 50) - percentile(samples.without, 50),
      "ms",
    );
  } finally {
    unregister();
    rmSync(root, { recursive: true, force: true });
  }
}

function timeHook(env, payload) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [dist("hooks/entry.js"), "PreToolUse"], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 || out !== "") reject(new Error(`hook exited ${code}: ${out}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
    child.stdin.end(payload);
  });
}

if (isMain(import.meta)) {
  const { results, record } = createResults();
  await benchGuard({ record });
  printTable(results);
  console.log(`written to ${writeResults("guard.json", results)}`);
}
