import type { Command } from "commander";
import { ensureHome } from "../../config/home.js";
import { daemonStatus, startDetached } from "../../daemon/control.js";
import { CcmError } from "../../errors.js";
import { listEvents } from "../../store/events.js";
import { getTask, getTransitions } from "../../store/tasks.js";
import type { CliContext } from "../context.js";
import { paint } from "../output.js";

const WAIT_MS = 120_000;

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(
      "see it work, no API key needed: a sample repo and one task run end to end by the built-in demo agent",
    )
    .option("--no-approve", "stop at awaiting approval instead of merging")
    .action(async (opts: { approve: boolean }) => {
      const out = ctx.output;
      ensureHome(ctx.paths);
      const store = ctx.store();
      const { setUpDemo } = await import("../../services/demo.js");
      const demo = setUpDemo(store, ctx.paths);
      out.out(`${paint(out, "green", "✓")} sample repository ${demo.repo}`);
      out.out(
        `${paint(out, "green", "✓")} project '${demo.project}' registered; task #${demo.task.id} queued for the demo agent`,
      );
      if (!daemonStatus(ctx.paths).running) {
        const state = await startDetached({
          paths: ctx.paths,
          env: ctx.env,
          logFile: ctx.config().daemon.log_file,
        });
        out.out(`${paint(out, "green", "✓")} daemon started (pid ${state.pid})`);
      }
      out.out(`\nwatching task #${demo.task.id} (attach to its window with: ccm attach ${demo.task.id})\n`);

      let seenTransitions = 1;
      let lastEvent = 0;
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        // Transitions and hook events, merged in time order.
        const lines: { at: number; text: string }[] = [];
        const transitions = getTransitions(store, demo.task.id);
        for (const t of transitions.slice(seenTransitions)) {
          lines.push({ at: t.at, text: `  ${paint(out, "bold", `${t.from} → ${t.to}`)}  ${t.reason}` });
        }
        seenTransitions = transitions.length;
        for (const e of listEvents(store, { taskId: demo.task.id, afterId: lastEvent })) {
          lastEvent = e.id;
          if (e.source === "hook") {
            lines.push({
              at: e.at,
              text: `    ${paint(out, "dim", `hook ${e.event}${e.tool ? ` ${e.tool}` : ""}`)}`,
            });
          }
        }
        for (const line of lines.sort((a, b) => a.at - b.at)) out.out(line.text);
        const task = getTask(store, demo.task.id);
        if (task.state === "awaiting_approval") break;
        if (task.state === "failed" || task.state === "cancelled") {
          throw new CcmError(
            "EXTERNAL_COMMAND",
            `the demo task ended ${task.state}: ${task.failureReason ?? ""}`,
            {
              hint: `See \`ccm daemon logs\` and \`ccm task show ${task.id}\`.`,
            },
          );
        }
        if (Date.now() > deadline) {
          throw new CcmError(
            "DAEMON_NOT_RUNNING",
            `the demo task did not finish within ${WAIT_MS / 1000}s (it is ${task.state})`,
            {
              hint: "Is the daemon running? See `ccm daemon status` and `ccm daemon logs`.",
            },
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const { taskDiff, approveTask } = await import("../../services/review.js");
      out.out(`\n${paint(out, "bold", "diff")} (ccm task diff ${demo.task.id}):`);
      out.out(await taskDiff(store, demo.task.id));
      if (!opts.approve) {
        out.out(`\nApprove it with: ccm task approve ${demo.task.id}`);
        return;
      }
      const merged = await approveTask(store, demo.task.id, { actor: "demo" });
      out.out(
        `${paint(out, "green", "✓")} approved: merged into main as ${merged.sha.slice(0, 12)} (${demo.repo})`,
      );
      out.out(
        // The agent has finished: what is left to look at is the record (and the web UI, if the daemon serves it).
        `\nNext: ccm task show ${demo.task.id}   ·   ccm task events ${demo.task.id}   ·   ccm ui (the web UI)`,
      );
    });
}
