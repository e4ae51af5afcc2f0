import { describe, expect, it } from "vitest";
import { BLOCK_MS, floorToHour, identifyBlocks, isActive, largestFinishedBlock } from "./blocks.js";

const H = 3_600_000;
const T = Date.parse("2026-11-22T09:40:00Z");

describe("5-hour blocks (ccusage's rules)", () => {
  it("opens at the first entry floored to the hour, closes after 5 h from the start or a 5 h gap", () => {
    const blocks = identifyBlocks([
      { at: T, tokens: 10 },
      { at: T + 2 * H, tokens: 5 },
      // 5 h 10 min after the block start (09:00 + 5 h = 14:00 < 14:50): a new block at 14:00.
      { at: T + 5 * H + 10 * 60_000, tokens: 7 },
      // More than 5 h after the previous entry: another block.
      { at: T + 11 * H, tokens: 1 },
    ]);
    expect(blocks.map((b) => [new Date(b.start).toISOString(), b.entries, b.tokens])).toEqual([
      ["2026-11-22T09:00:00.000Z", 2, 15],
      ["2026-11-22T14:00:00.000Z", 1, 7],
      ["2026-11-22T20:00:00.000Z", 1, 1],
    ]);
    expect(blocks[0]!.end - blocks[0]!.start).toBe(BLOCK_MS);
    expect(floorToHour(T)).toBe(Date.parse("2026-11-22T09:00:00Z"));
  });

  it("is active while recent and unfinished; max is over finished blocks only", () => {
    const [a, b] = identifyBlocks([
      { at: T, tokens: 100 },
      { at: T + 6 * H, tokens: 30 },
    ]);
    const now = T + 7 * H;
    expect(isActive(a!, now)).toBe(false);
    expect(isActive(b!, now)).toBe(true);
    expect(isActive(b!, b!.end)).toBe(false);
    expect(largestFinishedBlock([a!, b!], now)).toBe(100);
    expect(largestFinishedBlock([b!], now)).toBeUndefined();
  });
});
