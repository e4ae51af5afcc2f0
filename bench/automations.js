// What automations cost per hook call, for `npm run bench` (or `node bench/automations.js` after a build).
// Env: BENCH_SAMPLES (default 40). Interleaved sample by sample, so machine noise hits every variant alike.
//
// 1. PreToolUse through the built hook entry with no automation enabled, and with the shipped
//    block-patterns (a shell script: sh, the library, one grep per pattern list);
// 2. one `ccm_field tool_input.command` in a sourced ccm.sh: from the CCM_F_* variables the hook exports,
//    through jq (when installed), through node (the fallback that always exists).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createResults, dist, isMain, onInterrupt, percentile, printTable, writeResults } from "./lib.js";

const GROUP = "automations";
const SH = spawnSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).stdout.trim();

export async function benchAutomations({ record }) {
  const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
  const { openStore } = await import(dist("store/db.js"));
  const { addProject } = await import(dist("store/projects.js"));
  const { createTask } = await import(dist("store/tasks.js"));
  const { automationDirs, installShipped, enableAutomation, shippedDir } = await import(
    dist("automations/catalog.js")
  );
  const { fieldEnv } = await import(dist("hooks/field-env.js"));

  const work = mkdtempSync(join(tmpdir(), "ccm-bench-automations-"));
  const unregister = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  try {
    const bare = join(work, "bare-home");
    const withScript = join(work, "script-home");
    const dbPath = join(work, "ccm.db");
    const store = openStore(dbPath);
    addProject(store, { name: "bench", path: work });
    const task = createTask(store, { project: "bench", prompt: "bench" }, { maxQueueSize: 10 });
    installShipped(automationDirs(join(bare, "automations")));
    installShipped(automationDirs(join(withScript, "automations")));
    enableAutomation(automationDirs(join(withScript, "automations")), "block-patterns");

    const payload = JSON.stringify({
      session_id: "bench",
      transcript_path: join(work, "t.jsonl"),
      cwd: work,
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "npm test -- --run src/cart.test.ts && git status", description: "Run tests" },
    });
    const env = (home) => ({
      PATH: process.env.PATH,
      HOME: work,
      CCM_HOME: home,
      CCM_DB: dbPath,
      CCM_TASK_ID: String(task.id),
      CCM_PROJECT_DIR: work,
    });
    const hook = (home) => () => {
      const result = spawnSync(process.execPath, [dist("hooks/entry.js"), "PreToolUse"], {
        input: payload,
        env: env(home),
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(`hook exited ${result.status}: ${result.stderr}`);
    };
    const lib = join(shippedDir(), "lib", "ccm.sh");
    const field = (extra) => () => {
      const result = spawnSync(SH, ["-c", `. '${lib}'; ccm_field tool_input.command`], {
        input: payload,
        env: { PATH: process.env.PATH, CCM_NODE: process.execPath, ...extra },
        encoding: "utf8",
      });
      if (!result.stdout.startsWith("npm test")) throw new Error(`ccm_field printed ${result.stdout}`);
    };
    const hasJq = spawnSync("sh", ["-c", "command -v jq"]).status === 0;
    // A PATH with the library's tools but no jq (jq sits next to them in /usr/bin).
    const noJqPath = join(work, "bin");
    mkdirSync(noJqPath);
    for (const tool of ["sh", "cat", "tr", "awk"]) {
      const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      symlinkSync(found, join(noJqPath, tool));
    }
    const variants = {
      "hook, no automation": hook(bare),
      "hook + block-patterns": hook(withScript),
      "ccm_field from CCM_F_*": field(fieldEnv(JSON.parse(payload))),
      ...(hasJq ? { "ccm_field via jq": field({}) } : {}),
      "ccm_field via node": () => field({ PATH: noJqPath })(),
    };
    const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    for (let i = 0; i < SAMPLES + 2; i++) {
      for (const [name, run] of Object.entries(variants)) {
        const start = process.hrtime.bigint();
        run();
        if (i >= 2) times[name].push(Number(process.hrtime.bigint() - start) / 1e6); // 2 warm-up rounds
      }
    }
    store.close();
    const p = (name, q) => percentile(times[name], q);
    record(GROUP, "PreToolUse hook, no automation p50", p("hook, no automation", 50), "ms");
    record(GROUP, "PreToolUse hook + block-patterns p50", p("hook + block-patterns", 50), "ms");
    record(GROUP, "PreToolUse hook + block-patterns p99", p("hook + block-patterns", 99), "ms");
    record(
      GROUP,
      "block-patterns overhead p50",
      p("hook + block-patterns", 50) - p("hook, no automation", 50),
      "ms",
      undefined,
      "a shell automation: sh + ccm.sh + grep per pattern list",
    );
    for (const name of Object.keys(variants).filter((n) => n.startsWith("ccm_field"))) {
      record(GROUP, `${name} p50 (sh + library included)`, p(name, 50), "ms");
    }
    return { samples: SAMPLES, jq: hasJq };
  } finally {
    unregister();
    rmSync(work, { recursive: true, force: true });
  }
}

if (isMain(import.meta)) {
  const { results, record } = createResults();
  const detail = await benchAutomations({ record });
  printTable(results);
  writeResults("automations", results, detail);
}
