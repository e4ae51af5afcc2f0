// Quota budget (issue 6): our incremental transcript reader over 1 GB of synthetic transcripts (compact
// JSON lines in Claude Code's real shape), first scan and incremental refresh (budget <= 1 s), side by side
// with the pinned `ccusage blocks --json` on the same data, printed as ratios. The data is generated in a
// temp dir and deleted afterwards. Env: BENCH_QUOTA_MB (default 1024), BENCH_QUOTA_FILES (256).
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dist, isMain, onInterrupt, sinceMs } from "./lib.js";

const GROUP = "quota";
const HOUR = 3_600_000;

function assistant(at, n, session, blockText) {
  return JSON.stringify({
    parentUuid: `p-${n}`,
    isSidechain: false,
    userType: "external",
    entrypoint: "sdk-cli",
    cwd: "/home/dev/shop",
    sessionId: session,
    version: "2.1.330",
    gitBranch: "main",
    type: "assistant",
    uuid: `a-${n}`,
    timestamp: new Date(at).toISOString(),
    requestId: `req_${session.slice(0, 8)}_${n}`,
    message: {
      id: `msg_${session.slice(0, 8)}_${n}`,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: blockText }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 10 + (n % 50),
        output_tokens: 100 + (n % 300),
        cache_creation_input_tokens: n % 7 === 0 ? 2000 : 0,
        cache_read_input_tokens: 30_000 + (n % 1000),
        cache_creation: { ephemeral_5m_input_tokens: n % 7 === 0 ? 2000 : 0, ephemeral_1h_input_tokens: 0 },
        service_tier: "standard",
      },
    },
  });
}

function toolResult(at, n, session, size) {
  return JSON.stringify({
    parentUuid: `a-${n}`,
    isSidechain: false,
    userType: "external",
    cwd: "/home/dev/shop",
    sessionId: session,
    version: "2.1.330",
    type: "user",
    uuid: `u-${n}`,
    timestamp: new Date(at).toISOString(),
    message: {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: `toolu_${n}`, content: "x".repeat(size) }],
    },
  });
}

/** The lines of entry `n` of a session (their length does not depend on the time: ISO strings are fixed). */
function entryLines(at, n, session) {
  const a = assistant(at, n, session, "I will run the tests now.");
  // Streaming writes one line per content block with the same id and usage: one in three twice.
  const lines = n % 3 === 0 ? [a, a] : [a];
  lines.push(toolResult(at + 5000, n, session, 1500 + (n % 7) * 400));
  return lines;
}

/**
 * Sessions spread over the last 7 days, each a few hours of work (an entry every 20 s) ending before now,
 * overlapping the next one: a week of back-to-back use, the worst case for block computation.
 */
export function generate(root, totalBytes, files, now = Date.now()) {
  const perFile = Math.ceil(totalBytes / files);
  const step = (7 * 24 * HOUR) / files;
  let written = 0;
  for (let f = 0; f < files; f++) {
    const dir = join(root, "projects", `-home-dev-project-${f % 16}`);
    mkdirSync(dir, { recursive: true });
    const session = `${String(f).padStart(8, "0")}-5b1e-4c8e-9a44-2d1f0e6b9c01`;
    let count = 0;
    for (let bytes = 0; bytes < perFile; count++)
      for (const line of entryLines(0, count, session)) bytes += line.length + 1;
    const end = now - 7 * 24 * HOUR + (f + 1) * step - 10 * 60_000;
    const start = end - count * 20_000;
    const parts = [];
    for (let n = 0; n < count; n++) parts.push(...entryLines(start + n * 20_000, n, session));
    const text = `${parts.join("\n")}\n`;
    writeFileSync(join(dir, `${session}.jsonl`), text);
    written += text.length;
  }
  return written;
}

export async function benchQuota({ record }) {
  const MB = Number(process.env.BENCH_QUOTA_MB ?? 1024);
  const FILES = Number(process.env.BENCH_QUOTA_FILES ?? 256);
  const { openStore } = await import(dist("store/db.js"));
  const { createFallbackSource } = await import(dist("quota/fallback.js"));
  const { ccusageEntry } = await import(dist("quota/ccusage.js"));
  const work = mkdtempSync(join(tmpdir(), "ccm-bench-quota-"));
  const unregister = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  try {
    const account = join(work, ".claude");
    const now = Date.now();
    let start = process.hrtime.bigint();
    const bytes = generate(account, MB * 1024 * 1024, FILES, now);
    process.stderr.write(
      `bench: quota: generated ${(bytes / 1048576).toFixed(0)} MB in ${FILES} files in ${(sinceMs(start) / 1000).toFixed(1)} s\n`,
    );
    const store = openStore(join(work, "ccm.db"));
    const source = createFallbackSource({ store, accounts: () => [account], budget: "max" });

    start = process.hrtime.bigint();
    const first = source.poll(now);
    const firstMs = sinceMs(start);
    // A quiet refresh (nothing appended), then one after five sessions wrote a few more lines.
    start = process.hrtime.bigint();
    source.poll(now);
    const quietMs = sinceMs(start);
    for (let f = 0; f < 5; f++) {
      const session = `${String(FILES - 1 - f).padStart(8, "0")}-5b1e-4c8e-9a44-2d1f0e6b9c01`;
      const file = join(account, "projects", `-home-dev-project-${(FILES - 1 - f) % 16}`, `${session}.jsonl`);
      const lines = [];
      for (let i = 0; i < 20; i++)
        lines.push(
          assistant(now + i, 1_000_000 + i, session, "more"),
          toolResult(now + i, 1_000_000 + i, session, 2000),
        );
      appendFileSync(file, `${lines.join("\n")}\n`);
    }
    start = process.hrtime.bigint();
    const after = source.poll(now + 1000);
    const incrementalMs = sinceMs(start);
    store.close();

    const entry = ccusageEntry();
    start = process.hrtime.bigint();
    const cc = spawnSync(process.execPath, [entry, "blocks", "--json", "--offline", "--token-limit", "max"], {
      env: { PATH: process.env.PATH, HOME: work, CLAUDE_CONFIG_DIR: account, TZ: "UTC", NO_COLOR: "1" },
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    const ccusageMs = sinceMs(start);
    if (cc.status !== 0) throw new Error(`ccusage failed: ${cc.stderr}`);
    const active = JSON.parse(cc.stdout).blocks.find((b) => b.isActive);
    const agree = active?.totalTokens === after[0]?.tokens;

    record(GROUP, `first scan of ${MB} MB (our reader + blocks)`, firstMs, "ms");
    record(GROUP, "refresh, nothing new", quietMs, "ms");
    record(GROUP, "incremental refresh (5 files appended)", incrementalMs, "ms", { max: 1000 });
    record(GROUP, `ccusage blocks --json on the same ${MB} MB`, ccusageMs, "ms");
    record(GROUP, "ccusage time / our first scan", ccusageMs / firstMs, "x");
    record(GROUP, "ccusage time / our incremental refresh", ccusageMs / incrementalMs, "x");
    return {
      megabytes: Math.round(bytes / 1048576),
      files: FILES,
      firstSample: first[0] ?? null,
      afterAppend: after[0] ?? null,
      ccusageActiveBlockTokens: active?.totalTokens ?? null,
      activeBlockAgrees: agree,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    unregister();
  }
}

if (isMain(import.meta)) {
  const { createResults, printTable } = await import("./lib.js");
  const { results, record } = createResults();
  const detail = await benchQuota({ record });
  printTable(results);
  console.log(JSON.stringify(detail, null, 2));
}
