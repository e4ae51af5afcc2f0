import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { CcmError } from "../../errors.js";
import { agentRunsForTask, listAgentRuns } from "../../store/agents.js";
import { getTask } from "../../store/tasks.js";
import { parseTaskId } from "../args.js";
import type { CliContext } from "../context.js";
import { formatAge, paint, printJson, table } from "../output.js";

export function registerAgentCommands(program: Command, ctx: CliContext): void {
  program
    .command("attach")
    .description("attach your terminal to the tmux window of a task's running agent (detach: Ctrl-b d)")
    .argument("<task>", "task id")
    .option("--print", "only print the tmux command")
    .action(async (raw: string, opts: { print?: boolean }) => {
      const store = ctx.store();
      const task = getTask(store, parseTaskId(raw));
      const run = agentRunsForTask(store, task.id)
        .filter((r) => r.tmuxWindow && r.status !== "exited" && r.status !== "lost")
        .at(-1);
      if (!run?.tmuxWindow) {
        throw new CcmError(
          "INVALID_TRANSITION",
          `task #${task.id} has no running agent (it is ${task.state})`,
          {
            hint: "Its output and events stay available: ccm task show ID.",
          },
        );
      }
      const { Tmux } = await import("../../runtime/tmux.js");
      const tmux = new Tmux(run.tmuxSocket ? { socket: run.tmuxSocket } : {});
      const argv = await tmux.attachCommand(run.tmuxWindow, ctx.env);
      if (opts.print || !process.stdout.isTTY) {
        ctx.output.out(
          argv
            .map((a: string) => (/^[\w@%:./=-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))
            .join(" "),
        );
        return;
      }
      const result = spawnSync(argv[0]!, argv.slice(1), { stdio: "inherit" });
      if (result.error) throw new CcmError("EXTERNAL_COMMAND", `could not run tmux: ${result.error.message}`);
    });

  const agent = program.command("agent").description("running agents and their tmux windows");

  agent
    .command("list")
    .description("agents working now (or every run with --all)")
    .option("--all", "include finished runs")
    .option("--json", "print as JSON")
    .action((opts: { all?: boolean; json?: boolean }) => {
      const store = ctx.store();
      const runs = listAgentRuns(store, { all: opts.all ?? false, limit: opts.all ? 200 : -1 });
      if (opts.json) return printJson(ctx.output, runs);
      if (runs.length === 0) {
        ctx.output.out(opts.all ? "no agent has run yet" : "no agents running");
        return;
      }
      const now = Date.now();
      ctx.output.out(
        table(
          ["AGENT", "TASK", "STAGE", "KIND", "MODE", "STATUS", "TOOL", "AGE", "WINDOW"],
          runs.map((r) => [
            String(r.id),
            `#${r.taskId}`,
            r.stage,
            r.kind,
            r.mode,
            paint(
              ctx.output,
              r.status === "waiting" ? "yellow" : r.status === "working" ? "cyan" : "dim",
              r.status,
            ),
            r.currentTool ?? "-",
            formatAge(r.startedAt, now),
            r.windowName ? `${r.tmuxSession}:${r.tmuxWindow} (${r.windowName})` : "-",
          ]),
        ),
      );
    });

  agent
    .command("cleanup")
    .description(
      "close tmux windows in the ccm session that no running task owns, and idle agents past max_idle_time",
    )
    .option("--dry-run", "only list what would be closed")
    .option("--json", "print the result as JSON")
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { cleanupAgents } = await import("../../services/agents.js");
      const result = await cleanupAgents({
        store: ctx.store(),
        config: ctx.config(),
        dryRun: opts.dryRun ?? false,
      });
      if (opts.json) return printJson(ctx.output, result);
      if (result.closed.length === 0) {
        ctx.output.out("nothing to clean up");
        return;
      }
      for (const c of result.closed)
        ctx.output.out(`${opts.dryRun ? "would close" : "closed"} ${c.windowId} ${c.name}: ${c.why}`);
    });
}
