import type { Store } from "../store/db.js";
import { identifyBlocks, isActive, largestFinishedBlock, type UsageBlock } from "./blocks.js";
import type { NewSample } from "./samples.js";
import { type ReadOptions, refreshTranscripts } from "./transcripts.js";

/**
 * The conservative fallback (no status line, no ccusage): our own transcript reader, 5-hour blocks as
 * ccusage computes them, against `quota.fallback_token_budget`. With `max` the budget is the largest
 * finished block ever seen; no block ever reached the real limit, so this errs towards pausing early.
 */

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

/**
 * Blocks before the current one are final unless an older entry turns up, so after the first poll only the
 * entries from the current block's first entry on are read again: the refresh costs what was appended,
 * not the history (a week of back-to-back sessions is one unbroken chain of blocks).
 */
export function createFallbackSource(options: {
  store: Store;
  accounts: () => readonly string[];
  budget: number | "max";
  read?: ReadOptions;
}): FallbackSource {
  const { store } = options;
  const known = new Map<string, { currentFirstAt: number | undefined; largest: number | undefined }>();
  return {
    poll(now) {
      const accounts = options.accounts();
      const refreshed = refreshTranscripts(store, accounts, options.read);
      const samples: NewSample[] = [];
      for (const account of accounts) {
        let state = known.get(account);
        const historyChanged =
          state !== undefined &&
          refreshed.oldestAdded !== undefined &&
          (state.currentFirstAt === undefined || refreshed.oldestAdded < state.currentFirstAt);
        let recent: UsageBlock[];
        if (state === undefined || historyChanged) {
          recent = allBlocks(store, account);
          state = { currentFirstAt: undefined, largest: undefined };
        } else {
          recent =
            state.currentFirstAt === undefined
              ? []
              : identifyBlocks(entriesFrom(store, account, state.currentFirstAt));
        }
        const finished = largestFinishedBlock(recent, now);
        if (finished !== undefined && (state.largest === undefined || finished > state.largest))
          state.largest = finished;
        const current = recent.at(-1);
        if (current) state.currentFirstAt = current.firstAt;
        known.set(account, state);
        const limit = options.budget === "max" ? state.largest : options.budget;
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
