import type { QuotaSource, QuotaWindow, Sample } from "./samples.js";
import { SOURCES } from "./samples.js";

/**
 * The quota policy, pure: which source is in force for each account, how full each window is, the level
 * (ok / warning / critical), and what the daemon must do: hold dispatching and pause running agents, or
 * resume paused tasks one by one. Time comes in as `now`, so tests drive resets with a clock of their own.
 */

export type QuotaLevel = "ok" | "warning" | "critical";
const RANK: Record<QuotaLevel, number> = { ok: 0, warning: 1, critical: 2 };

export interface Thresholds {
  warningPercent: number;
  criticalPercent: number;
}

export interface WindowView {
  window: QuotaWindow;
  /** What counts now: 0 once the reported reset time has passed. */
  usedPercent: number;
  /** As reported. */
  reportedPercent: number;
  resetsAt: number | null;
  /** The reset time has passed since the reading. */
  reset: boolean;
  tokens: number | null;
  tokenLimit: number | null;
  /** When it was read. */
  at: number;
  level: QuotaLevel;
}

export interface AccountView {
  account: string;
  /** The best source with a usable reading, or null when there is none. */
  source: QuotaSource | null;
  level: QuotaLevel;
  windows: WindowView[];
  /** When the worst window resets (the time a critical account can expect to resume), if known. */
  resetsAt: number | null;
}

export interface Freshness {
  /** A status-line reading older than this is stale (no interactive session reports any more). */
  statuslineMaxAgeMs: number;
  /** ccusage readings older than this are stale (ccusage stopped working). */
  ccusageMaxAgeMs: number;
}

export function levelOf(percent: number, t: Thresholds): QuotaLevel {
  if (percent >= t.criticalPercent) return "critical";
  if (percent >= t.warningPercent) return "warning";
  return "ok";
}

export function worst(levels: Iterable<QuotaLevel>): QuotaLevel {
  let out: QuotaLevel = "ok";
  for (const l of levels) if (RANK[l] > RANK[out]) out = l;
  return out;
}

function fresh(sample: Sample, now: number, f: Freshness): boolean {
  // Usage within a window never goes down: Anthropic's figure stands until its reset even if no session
  // has reported since (the agents are paused, so none will).
  if (sample.source === "statusline")
    return now - sample.at <= f.statuslineMaxAgeMs || (sample.resetsAt !== null && sample.resetsAt > now);
  if (sample.source === "ccusage") return now - sample.at <= f.ccusageMaxAgeMs;
  return true; // our own reader is the last resort: its latest reading always counts
}

/** One view per account from the latest samples (see samples.ts latestSamples). */
export function viewAccounts(
  latest: readonly Sample[],
  now: number,
  t: Thresholds,
  f: Freshness,
): AccountView[] {
  const byAccount = new Map<string, Sample[]>();
  for (const s of latest) byAccount.set(s.account, [...(byAccount.get(s.account) ?? []), s]);
  const views: AccountView[] = [];
  for (const [account, samples] of [...byAccount].sort(([a], [b]) => a.localeCompare(b))) {
    const source = SOURCES.find((src) => samples.some((s) => s.source === src && fresh(s, now, f))) ?? null;
    const windows = samples
      .filter((s) => s.source === source)
      .sort((a, b) => a.window.localeCompare(b.window))
      .map((s): WindowView => {
        const reset = s.resetsAt !== null && s.resetsAt <= now;
        const usedPercent = reset ? 0 : s.usedPercent;
        return {
          window: s.window,
          usedPercent,
          reportedPercent: s.usedPercent,
          resetsAt: s.resetsAt,
          reset,
          tokens: s.tokens,
          tokenLimit: s.tokenLimit,
          at: s.at,
          level: levelOf(usedPercent, t),
        };
      });
    const level = worst(windows.map((w) => w.level));
    const limiting = windows.filter((w) => w.level === level && w.resetsAt !== null && !w.reset);
    views.push({
      account,
      source,
      level,
      windows,
      resetsAt: limiting.length > 0 ? Math.max(...limiting.map((w) => w.resetsAt!)) : null,
    });
  }
  return views;
}

export interface Hold {
  reason: string;
  actor: string;
  at: number;
}

/** `ccm quota resume` while still critical: the policy lets work go on until this window resets. */
export interface Override {
  until: number;
  actor: string;
  at: number;
}

export interface PolicyInput {
  now: number;
  /** The account our agents use; undefined when nothing was read for it yet. */
  agents: AccountView | undefined;
  autoPause: boolean;
  autoResume: boolean;
  /** `ccm quota pause`, in force until `ccm quota resume`. */
  hold: Hold | undefined;
  override: Override | undefined;
}

export type HoldCause = "manual" | "critical";

export interface PolicyDecision {
  /** Dispatching stops and running agents pause at their next safe point. */
  held: boolean;
  cause?: HoldCause;
  reason?: string;
  /** Quota-paused tasks may be resumed (one per spread interval). */
  resume: boolean;
  /** The override no longer applies (its window reset): forget it. */
  dropOverride: boolean;
}

export function decide(input: PolicyInput): PolicyDecision {
  const overrideLive = input.override !== undefined && input.now < input.override.until;
  if (input.hold)
    return {
      held: true,
      cause: "manual",
      reason: input.hold.reason,
      resume: false,
      dropOverride: !overrideLive && input.override !== undefined,
    };
  const a = input.agents;
  if (a?.level === "critical" && input.autoPause && !overrideLive) {
    const worstWindow = a.windows.find((w) => w.level === "critical");
    const label = worstWindow?.window === "seven_day" ? "7-day" : "5-hour";
    const until = a.resetsAt === null ? "" : ` until ${new Date(a.resetsAt).toISOString().slice(0, 16)}Z`;
    return {
      held: true,
      cause: "critical",
      reason: `quota critical: ${label} usage ${Math.round(worstWindow?.usedPercent ?? 0)}% (${a.source})${until}`,
      resume: false,
      dropOverride: input.override !== undefined && !overrideLive,
    };
  }
  return {
    held: false,
    resume: input.autoResume,
    dropOverride: input.override !== undefined && !overrideLive,
  };
}

/** Whether the next paused task may resume: resumes are spread `spreadMs` apart. */
export function resumeDue(lastResumeAt: number | undefined, now: number, spreadMs: number): boolean {
  return lastResumeAt === undefined || now - lastResumeAt >= spreadMs;
}
