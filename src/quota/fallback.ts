import type { Store } from "../store/db.js";
import { BLOCK_MS, identifyBlocks, isActive, largestFinishedBlock, type UsageBlock } from "./blocks.js";
import type { NewSample } from "./samples.js";
import { type ReadOptions, refreshTranscripts } from "./transcripts.js";

/**
 * The conservative fallback (no status line, no ccusage): our own transcript reader, 5-hour blocks as
 * ccusage computes them, against `quota.fallback_token_budget`. With `max` the budget is the largest
 * finished block ever seen; no block ever reached the real limit, so this errs towards pausing early.
 */

/** Blocks are independent across a gap of more than 5 h: the current block needs entries since the last gap. */
export function entriesSinceLastGap(store: Store, account: string): { at: number; tokens: number }[] {
  const times = store.db
    .prepare("SELECT at FROM usage_entries WHERE account = ? ORDER BY at DESC")
    .iterate(account) as Iterable<{ at: number }>;
  let since: number | undefined;
  let previous: number | undefined;
  for (const { at } of times) {
    if (previous !== undefined && previous - at > BLOCK_MS) break;
    since = at;
    previous = at;
  }
  if (since === undefined) return [];
  return entriesFrom(store, account, since);
}

function entriesFrom(store: Store, account: string, since: number): { at: number; tokens: number }[] {
  return store.db
    .prepare(
      `SELECT at, input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens AS tokens
       FROM usage_entries WHERE account = ? AND at >= ? ORDER BY at`,
    )
    .all(account, since) as { at: number; tokens: number }[];
}

export function allBlocks(store: Store, account: string): UsageBlock[] {
  return identifyBlocks(entriesFrom(store, account, Number.MIN_SAFE_INTEGER));
}

export interface FallbackSource {
  /** Reads what the transcripts gained and returns one five_hour sample per account (none without a budget). */
  poll(now: number): NewSample[];
}

export function createFallbackSource(options: {
  store: Store;
  accounts: () => readonly string[];
  budget: number | "max";
  read?: ReadOptions;
}): FallbackSource {
  const { store } = options;
  /** Largest finished block per account, from the whole history once, then kept up to date. */
  const largest = new Map<string, number | undefined>();
  const chainStart = new Map<string, number>();
  return {
    poll(now) {
      const accounts = options.accounts();
      const refreshed = refreshTranscripts(store, accounts, options.read);
      const samples: NewSample[] = [];
      for (const account of accounts) {
        const recent = identifyBlocks(entriesSinceLastGap(store, account));
        const olderChanged =
          refreshed.oldestAdded !== undefined &&
          refreshed.oldestAdded < (chainStart.get(account) ?? Number.MAX_SAFE_INTEGER);
        if (options.budget === "max" && (!largest.has(account) || olderChanged))
          largest.set(account, largestFinishedBlock(allBlocks(store, account), now));
        if (recent[0]) chainStart.set(account, recent[0].start);
        const seen = largestFinishedBlock(recent, now);
        const known = largest.get(account);
        if (seen !== undefined && (known === undefined || seen > known)) largest.set(account, seen);
        const limit = options.budget === "max" ? largest.get(account) : options.budget;
        const current = recent.at(-1);
        const active = current !== undefined && isActive(current, now) ? current : undefined;
        if (limit === undefined || limit <= 0) continue;
        const tokens = active?.tokens ?? 0;
        samples.push({
          account,
          source: "transcripts",
          window: "five_hour",
          usedPercent: round((tokens / limit) * 100),
          resetsAt: active?.end ?? null,
          tokens,
          tokenLimit: limit,
        });
      }
      return samples;
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
