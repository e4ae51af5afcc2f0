import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempStore } from "../store/test-helpers.js";
import { createFallbackSource } from "./fallback.js";
import { appendLines, assistantLine } from "./test-helpers.js";

const H = 3_600_000;
const T = Date.parse("2026-11-22T00:10:00Z");

describe("the transcript fallback source", () => {
  it("keeps its incremental block state equal to a full recomputation, also when older history turns up", () => {
    const root = mkdtempSync(join(tmpdir(), "ccm-fallback-"));
    try {
      using store = tempStore();
      const account = join(root, ".claude");
      const file = join(account, "projects", "p", "a.jsonl");
      // Back-to-back work from 00:10 to 13:10: blocks 00:00, 05:00 (opened 05:20), 10:00 (opened 10:30).
      let n = 0;
      const at = (ms: number, tokens: number) =>
        assistantLine({ at: ms, messageId: `m${n++}`, input: tokens, output: 0 });
      appendLines(file, [
        at(T, 100),
        at(T + 2 * H, 100),
        at(T + 5 * H + 10 * 60_000, 300),
        at(T + 10 * H + 20 * 60_000, 50),
      ]);
      const source = createFallbackSource({ store, accounts: () => [account], budget: "max" });
      const now = T + 11 * H;
      const first = source.poll(now)[0];
      // Largest finished block: 00:00–05:00 (200) vs 05:00–10:00 (300) → 300; the active one holds 50.
      expect(first).toMatchObject({
        source: "transcripts",
        tokens: 50,
        tokenLimit: 300,
        resetsAt: Date.parse("2026-11-22T15:00:00Z"),
      });
      expect(first?.usedPercent).toBeCloseTo(16.67, 2);

      appendLines(file, [at(T + 12 * H, 250)]);
      const fresh = () =>
        createFallbackSource({ store, accounts: () => [account], budget: "max" }).poll(now + H)[0];
      const incremental = source.poll(now + H)[0];
      expect(incremental).toMatchObject({ tokens: 300, tokenLimit: 300, usedPercent: 100 });
      expect(incremental).toEqual(fresh());

      // An older session's transcript appears (another machine's copy): the history is recomputed.
      appendLines(join(account, "projects", "q", "b.jsonl"), [at(T + H, 1000)]);
      const after = source.poll(now + H)[0];
      expect(after).toMatchObject({ tokenLimit: 1200 });
      expect(after).toEqual(fresh());

      // A fixed budget is used as given.
      const fixed = createFallbackSource({ store, accounts: () => [account], budget: 600 }).poll(now + H)[0];
      expect(fixed).toMatchObject({ tokens: 300, tokenLimit: 600, usedPercent: 50 });
      // Once the block is over, nothing is active: 0 % and no reset time.
      expect(source.poll(T + 20 * H)[0]).toMatchObject({ tokens: 0, usedPercent: 0, resetsAt: null });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
