import { expect, test } from "vitest";
import { identifyBlocks } from "../../src/quota/blocks.js";
import { runCcusageBlocks, sampleFromBlocks } from "../../src/quota/ccusage.js";
import { allBlocks, createFallbackSource } from "../../src/quota/fallback.js";
import { refreshTranscripts, transcriptFiles } from "../../src/quota/transcripts.js";
import { tempStore } from "../../src/store/test-helpers.js";
import { createClaudeSandbox } from "../fixtures/claude-env.js";
import type { ReplyUsage } from "../fixtures/fake-anthropic/script.js";
import type { ScriptTurn } from "../fixtures/fake-anthropic/server.js";
import { startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { createTempRepo } from "../fixtures/git-repo.js";
import { runClaude } from "../fixtures/run-claude.js";

// The real Claude Code binary, against the scripted Messages API with known usage in its replies, writes
// real transcripts; our incremental reader must account for exactly what ccusage (the pinned real one)
// accounts for on the same files, and for exactly what the script charged.

// As the real API reports it: the cache-creation total and its breakdown by TTL. (ccusage 20.0.20 takes
// the breakdown when present; a reply whose breakdown disagrees with the total is counted differently by
// it and by us, observed while writing this test.)
const usage = (input: number, output: number, cacheCreation: number, cacheRead: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: cacheCreation,
  cache_read_input_tokens: cacheRead,
  cache_creation: { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
});

const SCRIPT: ScriptTurn[] = [
  {
    // A text block and a tool call in one message: Claude Code writes two transcript lines with the same
    // message id and usage, which must count once.
    blocks: [
      { type: "text", text: "Let me create the file." },
      { type: "tool_use", name: "Bash", input: { command: "echo one > one.txt", description: "write" } },
    ],
    usage: usage(1200, 80, 3000, 0) as ReplyUsage,
  },
  { blocks: [{ type: "text", text: "Created one.txt." }], usage: usage(1500, 40, 0, 3000) as ReplyUsage },
];

const sum = (turns: ScriptTurn[]) =>
  turns.reduce((n, t) => {
    const u = (t as unknown as { usage: ReturnType<typeof usage> }).usage;
    return n + u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
  }, 0);

test("our transcript reader and ccusage agree on the real binary's transcripts", async () => {
  await using fake = await startFakeAnthropic([...SCRIPT, ...SCRIPT]);
  await using repo = await createTempRepo();
  await using sandbox = await createClaudeSandbox({ baseUrl: fake.url });
  const args = ["--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions"];
  const first = await runClaude({ args: ["-p", "make one.txt", ...args], cwd: repo.dir, env: sandbox.env });
  expect(first.exitCode, first.stderr).toBe(0);
  const session = first.lines.find((l) => l.session_id)?.session_id;
  // A resumed run appends to the same transcript; our reader picks up only the new bytes.
  using store = tempStore();
  const before = refreshTranscripts(store, [sandbox.configDir]);
  expect(before.entriesAdded).toBe(2);
  const second = await runClaude({
    args: ["-p", "again", "--resume", String(session), ...args],
    cwd: repo.dir,
    env: sandbox.env,
  });
  expect(second.exitCode, second.stderr).toBe(0);
  const after = refreshTranscripts(store, [sandbox.configDir]);
  expect(after.entriesAdded).toBe(2);
  expect(after.bytesRead).toBeGreaterThan(0);
  expect(transcriptFiles(sandbox.configDir).length).toBeGreaterThanOrEqual(1);

  const ours = allBlocks(store, sandbox.configDir);
  const theirs = (
    await runCcusageBlocks({ account: sandbox.configDir, tokenLimit: 1_000_000, timeoutMs: 60_000 })
  ).blocks.filter((b) => !b.isGap);
  expect(ours.map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString(), b.tokens])).toEqual(
    theirs.map((b) => [b.startTime, b.endTime, b.totalTokens]),
  );
  // And both equal what the script charged: four requests, each counted once.
  expect(ours.reduce((n, b) => n + b.tokens, 0)).toBe(2 * sum(SCRIPT));
  expect(ours.reduce((n, b) => n + b.entries, 0)).toBe(4);

  // The fallback sample and ccusage's sample of the active block say the same.
  const now = Date.now();
  const fallback = createFallbackSource({
    store,
    accounts: () => [sandbox.configDir],
    budget: 1_000_000,
  }).poll(now)[0];
  const viaCcusage = sampleFromBlocks(sandbox.configDir, theirs, 1_000_000);
  expect(fallback).toMatchObject({ source: "transcripts", tokens: 2 * sum(SCRIPT), tokenLimit: 1_000_000 });
  expect(viaCcusage).toMatchObject({ source: "ccusage", tokens: 2 * sum(SCRIPT), tokenLimit: 1_000_000 });
  expect(fallback?.usedPercent).toBe(viaCcusage?.usedPercent);
  expect(fallback?.resetsAt).toBe(viaCcusage?.resetsAt);
  expect(identifyBlocks([]).length).toBe(0);
}, 120_000);
