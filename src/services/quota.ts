import type { Config } from "../config/load.js";
import { type Alert, listAlerts } from "../notify/alerts.js";
import { agentAccount, type Env } from "../quota/accounts.js";
import {
  getAgentAccount,
  getHold,
  getOverride,
  type PauseOutcome,
  pauseTask,
  pendingPauses,
  quotaPausedTasks,
  type ResumeOutcome,
  requestPauseAll,
  resumeTask,
  setHold,
  setOverride,
} from "../quota/controls.js";
import { freshnessOf, thresholdsOf } from "../quota/monitor.js";
import {
  type AccountView,
  decide,
  type Hold,
  type Override,
  type QuotaLevel,
  viewAccounts,
} from "../quota/policy.js";
import {
  latestSamples,
  type QuotaSource,
  type QuotaWindow,
  type Sample,
  sampleHistory,
} from "../quota/samples.js";
import type { Store } from "../store/db.js";

/**
 * What the CLI, the HTTP API and the dashboard show and do about quota. Plain functions over the store; the
 * daemon's monitor acts on the same data, so these work whether or not the daemon runs.
 */

export interface QuotaStatus {
  enabled: boolean;
  /** The worst level over the accounts; `agentAccount`'s level decides pausing. */
  level: QuotaLevel;
  /** Dispatching held and running agents pausing, and why. */
  held: boolean;
  holdCause: "manual" | "critical" | null;
  holdReason: string | null;
  manualHold: Hold | null;
  override: Override | null;
  thresholds: { warningPercent: number; criticalPercent: number };
  autoPause: boolean;
  autoResume: boolean;
  resumeSpreadSeconds: number;
  /** The config directory our agents run under (as the daemon last saw it; else from this environment). */
  agentAccount: string;
  /** Per account: the source in force, each window's figures and reset time. */
  accounts: AccountView[];
  /** Tasks paused for quota, in the order they resume. */
  pausedTasks: { id: number; title: string; priority: string; stage: string | null }[];
  /** Working tasks asked to pause at their next safe point. */
  pausing: { id: number; title: string; reason: string }[];
  at: number;
}

export function quotaStatus(
  store: Store,
  config: Config,
  env: Env = process.env,
  now = store.clock(),
): QuotaStatus {
  const accounts = viewAccounts(latestSamples(store), now, thresholdsOf(config), freshnessOf(config));
  const mine = getAgentAccount(store) ?? agentAccount(env);
  const hold = getHold(store);
  const override = getOverride(store);
  const decision = decide({
    now,
    agents: accounts.find((a) => a.account === mine),
    autoPause: config.quota.auto_pause,
    autoResume: config.quota.auto_resume,
    hold,
    override,
  });
  const levels: QuotaLevel[] = accounts.map((a) => a.level);
  return {
    enabled: config.quota.enabled,
    level: levels.includes("critical") ? "critical" : levels.includes("warning") ? "warning" : "ok",
    held: config.quota.enabled ? decision.held : hold !== undefined,
    holdCause: decision.cause ?? null,
    holdReason: decision.reason ?? null,
    manualHold: hold ?? null,
    override: override ?? null,
    thresholds: thresholdsOf(config),
    autoPause: config.quota.auto_pause,
    autoResume: config.quota.auto_resume,
    resumeSpreadSeconds: config.quota.resume_spread_seconds,
    agentAccount: mine,
    accounts,
    pausedTasks: quotaPausedTasks(store).map((t) => ({
      id: t.id,
      title: t.title,
      priority: t.priority,
      stage: t.stage,
    })),
    pausing: pendingPauses(store).map((t) => ({
      id: t.id,
      title: t.title,
      reason: t.pauseRequest?.reason ?? "",
    })),
    at: now,
  };
}

export interface HistoryQuery {
  /** Milliseconds back from now; default 24 h. */
  windowMs?: number;
  since?: number;
  until?: number;
  account?: string;
  source?: QuotaSource;
  window?: QuotaWindow;
  limit?: number;
}

/** Samples over a time window, oldest first (the history chart). */
export function quotaHistory(store: Store, query: HistoryQuery = {}): Sample[] {
  const now = store.clock();
  return sampleHistory(store, {
    since: query.since ?? now - (query.windowMs ?? 24 * 3_600_000),
    ...(query.until === undefined ? {} : { until: query.until }),
    ...(query.account === undefined ? {} : { account: query.account }),
    ...(query.source === undefined ? {} : { source: query.source }),
    ...(query.window === undefined ? {} : { window: query.window }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
  });
}

export function quotaAlerts(store: Store, filter: { limit?: number; afterId?: number } = {}): Alert[] {
  return listAlerts(store, filter);
}

/** `ccm quota pause`: hold dispatching and ask every working agent to pause, until `quota resume`. */
export function holdQuota(store: Store, by: { actor: string; reason?: string }): { asked: number[] } {
  const reason = by.reason ?? "quota paused by hand (ccm quota pause)";
  return store.transaction(() => {
    setHold(store, { reason, actor: by.actor, at: store.clock() });
    return { asked: requestPauseAll(store, "quota", { reason, actor: by.actor }) };
  });
}

/**
 * `ccm quota resume`: lift a manual hold; if usage is still critical, override auto-pause until the current
 * window resets; resume every quota-paused task now (dispatch still respects max_concurrent).
 */
export function releaseQuota(
  store: Store,
  config: Config,
  by: { actor: string; reason?: string },
  env: Env = process.env,
): { resumed: number[]; overrideUntil: number | null } {
  const reason = by.reason ?? "quota resumed by hand (ccm quota resume)";
  return store.transaction(() => {
    const now = store.clock();
    setHold(store, undefined);
    const status = quotaStatus(store, config, env, now);
    const mine = status.accounts.find((a) => a.account === status.agentAccount);
    let overrideUntil: number | null = null;
    if (mine?.level === "critical") {
      overrideUntil = mine.resetsAt ?? now + 5 * 3_600_000;
      setOverride(store, { until: overrideUntil, actor: by.actor, at: now });
    }
    const resumed: number[] = [];
    for (const task of quotaPausedTasks(store)) {
      resumeTask(store, task.id, { reason, actor: by.actor });
      resumed.push(task.id);
    }
    for (const task of pendingPauses(store))
      if (task.pauseRequest?.kind === "quota") resumeTask(store, task.id, { reason, actor: by.actor });
    return { resumed, overrideUntil };
  });
}

export function pauseOneTask(store: Store, id: number, by: { actor: string; reason?: string }): PauseOutcome {
  return pauseTask(store, id, "manual", { reason: by.reason ?? "paused by user", actor: by.actor });
}

export function resumeOneTask(
  store: Store,
  id: number,
  by: { actor: string; reason?: string },
): ResumeOutcome {
  return resumeTask(store, id, { reason: by.reason ?? "resumed by user", actor: by.actor });
}
