import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/load.js";
import { raiseAlert } from "../notify/alerts.js";
import type { Store } from "../store/db.js";
import type { Task } from "../store/tasks.js";
import { agentAccount, claudeAccounts, type Env, isDirectory } from "./accounts.js";
import { type CcusageBlock, ccusageEntry, runCcusageBlocks, sampleFromBlocks } from "./ccusage.js";
import {
  getAgentAccount,
  getHold,
  getOverride,
  quotaPausedTasks,
  requestPauseAll,
  resumeTask,
  setAgentAccount,
  setOverride,
} from "./controls.js";
import { createFallbackSource, type FallbackSource } from "./fallback.js";
import { type AccountView, decide, type PolicyDecision, resumeDue, viewAccounts } from "./policy.js";
import { insertSamples, latestSamples, type NewSample } from "./samples.js";

/**
 * The daemon's quota loop: reads the sources (best first, each sample recording its source), applies the
 * policy, and acts — holds dispatching and asks running agents to pause at critical, resumes quota-paused
 * tasks in priority order spread `resume_spread_seconds` apart once the window resets, raises alerts.
 */

export interface QuotaMonitor {
  /** One pass (cheap: the slow sources run in the background every poll interval). */
  tick(): Promise<void>;
  /** Dispatching is held (critical or `ccm quota pause`). */
  held(): boolean;
  /** Waits for a background poll in flight (shutdown, tests). */
  settle(): Promise<void>;
}

export interface MonitorOptions {
  store: Store;
  log: Logger;
  config: Config;
  env?: Env;
  /** ccusage for one account; default: the installed ccusage. Return undefined when it has no figure. */
  ccusage?: (account: string) => Promise<CcusageBlock[]>;
  fallback?: FallbackSource;
}

export function thresholdsOf(config: Config) {
  return { warningPercent: config.quota.warning_percent, criticalPercent: config.quota.critical_percent };
}

export function freshnessOf(config: Config) {
  return {
    statuslineMaxAgeMs: config.quota.statusline_max_age_seconds * 1000,
    ccusageMaxAgeMs: Math.max(3 * config.quota.poll_interval_seconds, 300) * 1000,
  };
}

/** Accounts with transcripts to read: every Claude config dir that has them (ours included, once it has). */
export function watchedAccounts(env: Env): string[] {
  const mine = agentAccount(env);
  return [...new Set([...(isDirectory(join(mine, "projects")) ? [mine] : []), ...claudeAccounts(env)])];
}

export function createQuotaMonitor(options: MonitorOptions): QuotaMonitor {
  const { store, log, config } = options;
  const env = options.env ?? process.env;
  const q = config.quota;
  const ccusage =
    options.ccusage ??
    (ccusageEntry()
      ? (account: string) =>
          runCcusageBlocks({
            account,
            tokenLimit: q.ccusage.token_limit,
            timeoutMs: q.ccusage.timeout_seconds * 1000,
            env,
          }).then((r) => r.blocks)
      : undefined);
  let fallbackAccounts: string[] = [];
  const fallback =
    options.fallback ??
    createFallbackSource({ store, accounts: () => fallbackAccounts, budget: q.fallback_token_budget });
  let lastPoll: number | undefined;
  let polling: Promise<void> | undefined;
  let lastResumeAt: number | undefined;
  let heldNow = false;
  let lastDecision: PolicyDecision | undefined;
  const ccusageErrors = new Set<string>();

  const poll = async (now: number) => {
    const fresh = freshnessOf(config);
    const latest = latestSamples(store);
    const accounts = watchedAccounts(env);
    const needing = accounts.filter(
      (a) =>
        !latest.some(
          (s) => s.account === a && s.source === "statusline" && now - s.at <= fresh.statuslineMaxAgeMs,
        ),
    );
    const samples: NewSample[] = [];
    const covered = new Set<string>();
    if (q.ccusage.enabled && ccusage) {
      for (const account of needing) {
        try {
          const sample = sampleFromBlocks(account, await ccusage(account), q.ccusage.token_limit);
          if (sample) samples.push(sample);
          covered.add(account);
        } catch (error) {
          const message = (error as Error).message;
          if (!ccusageErrors.has(message))
            log.warn({ account, err: message }, "ccusage failed; using the transcript reader");
          ccusageErrors.add(message);
        }
      }
    }
    fallbackAccounts = needing.filter((a) => !covered.has(a));
    if (fallbackAccounts.length > 0) samples.push(...fallback.poll(now));
    if (samples.length > 0) insertSamples(store, samples);
  };

  const alertLevels = (views: readonly AccountView[]) => {
    for (const v of views) {
      if (v.level === "ok") continue;
      const w = v.windows.find((x) => x.level === v.level);
      const until = v.resetsAt === null ? "" : `; resets ${new Date(v.resetsAt).toISOString().slice(0, 16)}Z`;
      const window = v.resetsAt ?? Math.floor(store.clock() / 3_600_000);
      raiseAlert(store, {
        level: v.level,
        code: `quota.${v.level}`,
        message: `Claude usage ${v.level}: ${w?.window === "seven_day" ? "7-day" : "5-hour"} window at ${Math.round(w?.usedPercent ?? 0)}% (source ${v.source}, account ${v.account})${until}`,
        dedupKey: `quota.${v.level}:${v.account}:${window}`,
        dedupWindowMs: 7 * 24 * 3_600_000,
      });
    }
  };

  const alertPaused = () => {
    for (const task of quotaPausedTasks(store)) {
      raiseAlert(store, {
        level: "warning",
        code: "task.paused",
        message: `task #${task.id} (${task.title}) paused for quota`,
        taskId: task.id,
        dedupKey: `task.paused:${task.id}:${task.updatedAt}`,
      });
    }
  };

  const subject = (task: Task) => (task.agent ?? config.agents.default) === "claude-code";

  return {
    async tick() {
      if (!q.enabled) {
        heldNow = getHold(store) !== undefined;
        return;
      }
      const now = store.clock();
      if (!polling && (lastPoll === undefined || now - lastPoll >= q.poll_interval_seconds * 1000)) {
        lastPoll = now;
        polling = poll(now)
          .catch((error: unknown) => log.error({ err: error }, "reading quota sources failed"))
          .finally(() => {
            polling = undefined;
          });
      }
      const views = viewAccounts(latestSamples(store), now, thresholdsOf(config), freshnessOf(config));
      const account = agentAccount(env);
      if (getAgentAccount(store) !== account) setAgentAccount(store, account);
      const mine = views.find((v) => v.account === account);
      const override = getOverride(store);
      const decision = decide({
        now,
        agents: mine,
        autoPause: q.auto_pause,
        autoResume: q.auto_resume,
        hold: getHold(store),
        override,
      });
      if (decision.dropOverride) setOverride(store, undefined);
      alertLevels(views);
      if (decision.held) {
        const reason = decision.reason ?? "quota";
        const asked = requestPauseAll(
          store,
          "quota",
          { reason, actor: decision.cause === "manual" ? "cli" : "quota" },
          decision.cause === "manual" ? () => true : subject,
        );
        if (asked.length > 0) log.info({ tasks: asked, reason }, "asked running agents to pause");
        if (!heldNow) log.warn({ reason }, "dispatching held");
      } else if (decision.resume && resumeDue(lastResumeAt, now, q.resume_spread_seconds * 1000)) {
        const next = quotaPausedTasks(store)[0];
        if (next) {
          const why = lastDecision?.held ? "quota back below critical" : "quota no longer critical";
          resumeTask(store, next.id, { reason: `resumed: ${why}`, actor: "quota" });
          lastResumeAt = now;
          raiseAlert(store, {
            level: "info",
            code: "task.resumed",
            message: `task #${next.id} (${next.title}) resumed after the quota reset`,
            taskId: next.id,
            dedupKey: `task.resumed:${next.id}:${now}`,
          });
          log.info({ taskId: next.id }, "task resumed after quota reset");
        }
      }
      alertPaused();
      heldNow = decision.held;
      lastDecision = decision;
    },
    held: () => heldNow,
    settle: async () => {
      await polling;
    },
  };
}
