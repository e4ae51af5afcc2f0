import type { Command } from "commander";
import type { QuotaStatus } from "../../services/quota.js";
import { parsePositiveInt, parseTaskId } from "../args.js";
import type { CliContext } from "../context.js";
import { formatTime, paint, printJson, type Style, table } from "../output.js";

/** Loaded when a quota command runs: its sources pull in execa, which every other command would pay for. */
const service = () => import("../../services/quota.js");

const LEVEL_STYLE: Record<string, Style> = { ok: "green", warning: "yellow", critical: "red" };

export function registerQuotaCommands(program: Command, ctx: CliContext): void {
  const quota = program
    .command("quota")
    .description("Claude usage: where it stands, pause and resume work by hand")
    .addHelpText(
      "after",
      `
Usage is read from, best first: the status line of interactive agents (Anthropic's own 5-hour and 7-day
figures), \`ccusage blocks\`, and ccm's own transcript reader against quota.fallback_token_budget.
At quota.warning_percent (50) an alert goes out; at quota.critical_percent (90) the daemon stops starting
tasks and pauses running agents at a safe point (after the current tool call, or at the end of the turn);
after the reset they resume in priority order. Settings: the quota: section of ~/.ccm/config.yaml.`,
    );

  quota
    .command("status")
    .description("usage per account, the source in force, thresholds, reset times and paused tasks")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const status = (await service()).quotaStatus(ctx.store(), ctx.config(), ctx.env);
      if (opts.json) return printJson(ctx.output, status);
      printStatus(ctx, status);
    });

  quota
    .command("pause")
    .description(
      "stop starting tasks and pause running agents at their next safe point, until `quota resume`",
    )
    .option("--reason <text>", "why, recorded with every pause")
    .option("--json", "print the result as JSON")
    .action(async (opts: { reason?: string; json?: boolean }) => {
      const result = (await service()).holdQuota(ctx.store(), {
        actor: "cli",
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
      if (opts.json) return printJson(ctx.output, { held: true, ...result });
      ctx.output.out(
        `dispatching held; ${result.asked.length} running task(s) will pause at their next safe point` +
          (result.asked.length > 0 ? ` (${result.asked.map((id) => `#${id}`).join(", ")})` : ""),
      );
    });

  quota
    .command("resume")
    .description(
      "lift a manual pause (or override a critical one until the reset) and resume quota-paused tasks",
    )
    .option("--reason <text>", "why, recorded with every resume")
    .option("--json", "print the result as JSON")
    .action(async (opts: { reason?: string; json?: boolean }) => {
      const result = (await service()).releaseQuota(
        ctx.store(),
        ctx.config(),
        { actor: "cli", ...(opts.reason ? { reason: opts.reason } : {}) },
        ctx.env,
      );
      if (opts.json) return printJson(ctx.output, result);
      ctx.output.out(
        `dispatching resumed; ${result.resumed.length} task(s) back in the queue` +
          (result.resumed.length > 0 ? ` (${result.resumed.map((id) => `#${id}`).join(", ")})` : "") +
          (result.overrideUntil === null
            ? ""
            : `\nusage is still critical: auto-pause is overridden until ${formatTime(result.overrideUntil)} UTC`),
      );
    });

  quota
    .command("history")
    .description("usage samples over a time window, oldest first")
    .option("--hours <n>", "how far back", "24")
    .option("--json", "print as JSON")
    .action(async (opts: { hours: string; json?: boolean }) => {
      const samples = (await service()).quotaHistory(ctx.store(), {
        windowMs: parsePositiveInt(opts.hours, "--hours") * 3_600_000,
      });
      if (opts.json) return printJson(ctx.output, { samples });
      if (samples.length === 0) return ctx.output.out("no usage samples in that window");
      ctx.output.out(
        table(
          ["WHEN (UTC)", "SOURCE", "WINDOW", "USED", "RESETS", "ACCOUNT"],
          samples.map((s) => [
            formatTime(s.at),
            s.source,
            s.window,
            `${s.usedPercent}%`,
            formatTime(s.resetsAt),
            s.account,
          ]),
        ),
      );
    });

  quota
    .command("alerts")
    .description("recent alerts (quota, pauses, resumes, limits) and where they were delivered")
    .option("--limit <n>", "how many", "20")
    .option("--json", "print as JSON")
    .action(async (opts: { limit: string; json?: boolean }) => {
      const alerts = (await service()).quotaAlerts(ctx.store(), {
        limit: parsePositiveInt(opts.limit, "--limit"),
      });
      if (opts.json) return printJson(ctx.output, { alerts });
      if (alerts.length === 0) return ctx.output.out("no alerts");
      ctx.output.out(
        table(
          ["WHEN (UTC)", "LEVEL", "CODE", "TASK", "DELIVERED", "MESSAGE"],
          alerts.map((a) => [
            formatTime(a.at),
            paint(ctx.output, LEVEL_STYLE[a.level] ?? "bold", a.level),
            a.code,
            a.taskId === null ? "-" : `#${a.taskId}`,
            a.deliveries
              ? Object.entries(a.deliveries)
                  .map(([k, v]) => `${k}:${v === "ok" ? "ok" : "failed"}`)
                  .join(" ")
              : "pending",
            a.message,
          ]),
        ),
      );
    });
}

/** `ccm task pause ID` / `ccm task resume ID`. */
export function registerTaskPauseCommands(task: Command, ctx: CliContext): void {
  task
    .command("pause")
    .description("pause a task: at once if queued, at the agent's next safe point if it is working")
    .argument("<id>", "task id")
    .option("--reason <text>", "why, recorded in the task's history", "paused by user")
    .option("--json", "print the outcome as JSON")
    .addHelpText(
      "after",
      `
A working headless agent stops after the tool call it is running (never in the middle of one); an
interactive one at the end of its turn; the task keeps its agent session. \`ccm task resume ID\` continues it.`,
    )
    .action(async (raw: string, opts: { reason: string; json?: boolean }) => {
      const id = parseTaskId(raw);
      const outcome = (await service()).pauseOneTask(ctx.store(), id, { actor: "cli", reason: opts.reason });
      if (opts.json) return printJson(ctx.output, { id, outcome });
      ctx.output.out(
        outcome === "paused"
          ? `paused task #${id}`
          : outcome === "requested"
            ? `task #${id} will pause at its agent's next safe point (ccm task show ${id})`
            : `task #${id} is already paused or pausing`,
      );
    });

  task
    .command("resume")
    .description("resume a paused task (its agent session continues with --resume)")
    .argument("<id>", "task id")
    .option("--reason <text>", "why, recorded in the task's history", "resumed by user")
    .option("--json", "print the outcome as JSON")
    .action(async (raw: string, opts: { reason: string; json?: boolean }) => {
      const id = parseTaskId(raw);
      const outcome = (await service()).resumeOneTask(ctx.store(), id, { actor: "cli", reason: opts.reason });
      if (opts.json) return printJson(ctx.output, { id, outcome });
      ctx.output.out(
        outcome === "resumed"
          ? `task #${id} is back in the queue`
          : outcome === "request-withdrawn"
            ? `task #${id} will not pause after all`
            : `task #${id} is not paused`,
      );
    });
}

function printStatus(ctx: CliContext, s: QuotaStatus): void {
  const level = paint(ctx.output, LEVEL_STYLE[s.level] ?? "bold", s.level);
  ctx.output.out(`Quota: ${level}${s.enabled ? "" : " (quota.enabled is false: not watched)"}`);
  ctx.output.out(
    `Thresholds: warning ${s.thresholds.warningPercent}%, critical ${s.thresholds.criticalPercent}%; auto-pause ${s.autoPause ? "on" : "off"}, auto-resume ${s.autoResume ? "on" : "off"}`,
  );
  if (s.held) ctx.output.out(paint(ctx.output, "red", `Dispatching held: ${s.holdReason}`));
  if (s.override)
    ctx.output.out(
      `Auto-pause overridden until ${formatTime(s.override.until)} UTC (by ${s.override.actor})`,
    );
  if (s.accounts.length === 0) {
    ctx.output.out("\nNo usage read yet (the daemon reads it every quota.poll_interval_seconds).");
  } else {
    ctx.output.out("");
    ctx.output.out(
      table(
        ["ACCOUNT", "SOURCE", "WINDOW", "USED", "LEVEL", "RESETS (UTC)", "READ (UTC)"],
        s.accounts.flatMap((a) =>
          a.windows.map((w) => [
            a.account + (a.account === s.agentAccount ? " (agents)" : ""),
            a.source ?? "-",
            w.window,
            w.reset ? `${w.usedPercent}% (was ${w.reportedPercent}%, reset)` : `${w.usedPercent}%`,
            paint(ctx.output, LEVEL_STYLE[w.level] ?? "bold", w.level),
            formatTime(w.resetsAt),
            formatTime(w.at),
          ]),
        ),
      ),
    );
  }
  if (s.pausing.length > 0) ctx.output.out(`\nPausing: ${s.pausing.map((t) => `#${t.id}`).join(", ")}`);
  if (s.pausedTasks.length > 0)
    ctx.output.out(
      `Paused for quota (resume order): ${s.pausedTasks.map((t) => `#${t.id} (${t.priority})`).join(", ")}`,
    );
}
