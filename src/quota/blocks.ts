/**
 * 5-hour usage blocks, computed as ccusage does (reference §5), over entries sorted by time. Pure.
 * A block opens at the first entry's time floored to the UTC hour; an entry more than 5 h after the block
 * start, or more than 5 h after the previous entry, opens the next one.
 */

export const BLOCK_MS = 5 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface BlockEntry {
  at: number;
  tokens: number;
}

export interface UsageBlock {
  start: number;
  /** The first entry's time (entries from here on belong to this block or later ones). */
  firstAt: number;
  end: number;
  /** The last entry's time. */
  lastAt: number;
  entries: number;
  tokens: number;
}

export function floorToHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Non-gap blocks, oldest first. `entries` must be sorted by `at`. */
export function identifyBlocks(entries: Iterable<BlockEntry>, lengthMs = BLOCK_MS): UsageBlock[] {
  const blocks: UsageBlock[] = [];
  let current: UsageBlock | undefined;
  for (const entry of entries) {
    if (
      current === undefined ||
      entry.at - current.start > lengthMs ||
      entry.at - current.lastAt > lengthMs
    ) {
      const start = floorToHour(entry.at);
      current = { start, firstAt: entry.at, end: start + lengthMs, lastAt: entry.at, entries: 0, tokens: 0 };
      blocks.push(current);
    }
    current.lastAt = entry.at;
    current.entries += 1;
    current.tokens += entry.tokens;
  }
  return blocks;
}

/** ccusage's isActive: recent activity and the block not over. */
export function isActive(block: UsageBlock, now: number, lengthMs = BLOCK_MS): boolean {
  return now - block.lastAt < lengthMs && now < block.end;
}

/** The largest total of a finished block (ccusage's `--token-limit max`); undefined when none finished. */
export function largestFinishedBlock(blocks: readonly UsageBlock[], now: number): number | undefined {
  let max: number | undefined;
  for (const b of blocks) if (!isActive(b, now) && (max === undefined || b.tokens > max)) max = b.tokens;
  return max;
}
