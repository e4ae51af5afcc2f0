import { readFileSync } from "node:fs";
import { sep } from "node:path";
import type { Command } from "commander";
import {
  type AutomationDirs,
  automationDirs,
  disableAutomation,
  enableAutomation,
  findAutomation,
  installShipped,
  listAutomations,
} from "../../automations/catalog.js";
import { CcmError } from "../../errors.js";
import type { EventSpec } from "../../hooks/automation-scripts.js";
import { listWithStats, testAutomation } from "../../services/automations.js";
import { listAutomationRuns } from "../../store/automation-runs.js";
import { getProject, listProjects } from "../../store/projects.js";
import { getTask } from "../../store/tasks.js";
import { parsePositiveInt, parseTaskId, readStdin } from "../args.js";
import type { CliContext } from "../context.js";
import { formatTime, paint, printJson, table, truncate } from "../output.js";

const HELP = `
Automations are executable scripts the hook runs on Claude Code events. Each declares what it handles in
its first lines:
  # ccm-events: PreToolUse(Bash|Write), Stop
  # ccm-timeout: 5
It reads the event JSON on stdin and answers like a Claude Code command hook: exit 0 = allow (JSON on
stdout to add context or change the input), exit 2 = block with the reason on stderr. A deny wins.

Where they live:
  ~/.ccm/automations/enabled/       what runs (links into available/, or your own files)
  ~/.ccm/automations/available/     shipped examples (linked from the package) and parked scripts
  <project>/.ccm/automations/       the project's own, always on while executable
Shell helpers for scripts: . "$CCM_LIB/ccm.sh" (see the README's Automations section).`;

export function registerAutomationCommands(program: Command, ctx: CliContext): void {
  const automation = program
    .command("automation")
    .description("list, enable, disable and try the scripts the hooks run")
    .addHelpText("after", HELP);

  automation
    .command("list")
    .description("every automation: where it lives, on or off, its events, and what it decided so far")
    .option("-p, --project <name>", "include this project's automations (default: the project you are in)")
    .option("--json", "print as JSON")
    .action((opts: { project?: string; json?: boolean }) => {
      const dirs = scope(ctx, opts.project);
      installShipped(dirs);
      const items = listWithStats(ctx.store(), listAutomations(dirs), ctx.config().safety.guard.enabled);
      if (opts.json) return printJson(ctx.output, items);
      const rows = items.map((item) => [
        item.name,
        item.where,
        item.enabled ? paint(ctx.output, "green", "on") : "off",
        truncate(item.events.map(formatSpec).join(", ") || "-", 40),
        item.timeoutSeconds === null ? "-" : `${item.timeoutSeconds}s`,
        item.lastRunAt === null ? "-" : formatTime(item.lastRunAt),
        item.runs === 0
          ? "-"
          : Object.entries(item.decisions)
              .map(([decision, n]) => `${decision} ${n}`)
              .join(", "),
      ]);
      ctx.output.out(table(["NAME", "WHERE", "ON", "EVENTS", "TIMEOUT", "LAST RUN", "DECISIONS"], rows));
      for (const item of items) {
        for (const problem of item.problems) {
          ctx.output.out(paint(ctx.output, "yellow", `! ${item.name}: ${problem}`));
        }
      }
    });

  automation
    .command("enable")
    .description("turn an available automation on (links it into ~/.ccm/automations/enabled)")
    .argument("<name>", "as shown by `ccm automation list`")
    .option("--json", "print the result as JSON")
    .action((name: string, opts: { json?: boolean }) => {
      const dirs = scope(ctx);
      installShipped(dirs);
      const { changed, entry } = enableAutomation(dirs, name);
      if (opts.json) return printJson(ctx.output, { name: entry.name, enabled: true, changed });
      ctx.output.out(
        changed
          ? `${paint(ctx.output, "green", "✓")} ${entry.name} enabled`
          : `${entry.name} was already enabled`,
      );
    });

  automation
    .command("disable")
    .description("turn an automation off (the script stays in available/ to enable again)")
    .argument("<name>", "as shown by `ccm automation list`")
    .option("--json", "print the result as JSON")
    .action((name: string, opts: { json?: boolean }) => {
      const dirs = scope(ctx);
      installShipped(dirs);
      const { changed, entry } = disableAutomation(dirs, name);
      if (opts.json) return printJson(ctx.output, { name: entry.name, enabled: false, changed });
      ctx.output.out(changed ? `${entry.name} disabled` : `${entry.name} was already disabled`);
    });

  automation
    .command("test")
    .description("run one automation on an event file exactly as the hook would; prints its decision")
    .argument("<name>", "a name from `ccm automation list`, project:NAME, or a path to a script")
    .requiredOption("-e, --event <file>", "the hook payload as JSON (- reads stdin)")
    .option("--event-name <event>", "the event, when the file has no hook_event_name")
    .option("-t, --task <id>", "give the script this task's environment (CCM_TASK_ID, CCM_WORKTREE, …)")
    .option("-p, --project <name>", "the project in scope (default: the project you are in)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
The script really runs, with real side effects (a git-checkpoint test with --task commits in that
task's worktree). Nothing is recorded in automation_runs: a test is not something an agent did.
Example:
  echo '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git push"}}' \\
    | ccm automation test block-patterns --event -`,
    )
    .action(
      async (
        name: string,
        opts: { event: string; eventName?: string; task?: string; project?: string; json?: boolean },
      ) => {
        const dirs = scope(ctx, opts.project);
        installShipped(dirs);
        const entry = findAutomation(dirs, name);
        if (entry.info.script !== undefined) {
          for (const problem of entry.info.problems) ctx.output.err(`warning: ${entry.name}: ${problem}`);
        }
        const payload = parseEventFile(
          opts.event === "-" ? await readStdin(ctx.stdin) : readEventFile(opts.event),
          opts.event,
        );
        const config = ctx.config();
        const store = ctx.store();
        const project = projectInScope(ctx, opts.project);
        const result = await testAutomation({
          store,
          entry,
          payload,
          ...(opts.eventName === undefined ? {} : { eventName: opts.eventName }),
          ...(opts.task === undefined ? {} : { taskId: parseTaskId(opts.task) }),
          ...(project === undefined ? {} : { project }),
          env: ctx.env,
          home: ctx.paths.home,
          dbPath: config.database.sqlite_path,
          timeoutSeconds: config.automations.timeout_seconds,
        });
        if (opts.json) return printJson(ctx.output, result);
        const colour = result.decision === "block" || result.decision === "error" ? "red" : "green";
        ctx.output.out(`${"Decision:".padEnd(11)}${paint(ctx.output, colour, result.decision)}`);
        if (result.reason !== null) ctx.output.out(`${"Reason:".padEnd(11)}${result.reason}`);
        ctx.output.out(
          `${"Event:".padEnd(11)}${result.event}${result.matched ? "" : paint(ctx.output, "yellow", " (its header does not select this event/tool: the hook would not run it)")}`,
        );
        const how = result.timedOut
          ? "timed out"
          : result.signal
            ? `killed by ${result.signal}`
            : `exit ${result.exitCode}`;
        ctx.output.out(
          `${"Duration:".padEnd(11)}${result.durationMs.toFixed(1)} ms (${how}; limit ${result.timeoutMs / 1000}s)`,
        );
        if (result.output !== null)
          ctx.output.out(`Output:\n${JSON.stringify(result.output, null, 2).replace(/^/gm, "  ")}`);
        else if (result.stdout.trim() !== "")
          ctx.output.out(`Stdout:\n${result.stdout.trimEnd().replace(/^/gm, "  ")}`);
        if (result.stderr.trim() !== "")
          ctx.output.out(`Stderr:\n${result.stderr.trimEnd().replace(/^/gm, "  ")}`);
        const hook = result.hookResponse;
        ctx.output.out(
          `Hook answer (exit ${hook.exitCode}):${hook.stdout ? ` ${hook.stdout}` : ""}${hook.stderr ? ` stderr: ${hook.stderr.trimEnd()}` : ""}`,
        );
      },
    );

  automation
    .command("runs")
    .description("what the automations decided, newest last (from automation_runs)")
    .option("-t, --task <id>", "only this task's")
    .option("-n, --limit <n>", "at most this many", "50")
    .option("--json", "print as JSON")
    .action((opts: { task?: string; limit: string; json?: boolean }) => {
      const store = ctx.store();
      const limit = parsePositiveInt(opts.limit, "--limit");
      let taskId: number | undefined;
      if (opts.task !== undefined) {
        taskId = parseTaskId(opts.task);
        getTask(store, taskId);
      }
      const runs = listAutomationRuns(store, { limit, ...(taskId === undefined ? {} : { taskId }) });
      if (opts.json) return printJson(ctx.output, runs);
      if (runs.length === 0) return ctx.output.out("no automation runs recorded");
      const rows = runs.map((r) => [
        formatTime(r.at),
        r.taskId === null ? "-" : `#${r.taskId}`,
        r.event,
        shortName(r.script),
        r.decision === "allow" ? r.decision : paint(ctx.output, "red", r.decision),
        `${r.durationMs.toFixed(1)}ms`,
        truncate(r.reason ?? "", 60),
      ]);
      ctx.output.out(table(["AT", "TASK", "EVENT", "SCRIPT", "DECISION", "TOOK", "REASON"], rows));
    });
}

function formatSpec(spec: EventSpec): string {
  return spec.matcher === undefined ? spec.event : `${spec.event}(${spec.matcher})`;
}

function shortName(script: string): string {
  return script.includes(sep) ? script.slice(script.lastIndexOf(sep) + 1) : script;
}

function scope(ctx: CliContext, projectName?: string): AutomationDirs {
  return automationDirs(ctx.paths.automations, projectInScope(ctx, projectName)?.path);
}

/** --project, else the registered project containing the current folder, else none. */
function projectInScope(ctx: CliContext, name?: string): { name: string; path: string } | undefined {
  if (name !== undefined) {
    const project = getProject(ctx.store(), name);
    return { name: project.name, path: project.path };
  }
  const match = listProjects(ctx.store())
    .filter((p) => ctx.cwd === p.path || ctx.cwd.startsWith(p.path + sep))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return match === undefined ? undefined : { name: match.name, path: match.path };
}

function readEventFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `cannot read the event file ${file}: ${(error as Error).message}`,
      {
        hint: "Pass a JSON file with a hook payload, or - to read it from stdin.",
      },
    );
  }
}

function parseEventFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `the event file ${file} is not JSON: ${(error as Error).message}`,
      {
        hint: "Claude Code's debug log and `ccm task events ID --json` show real payloads to copy.",
      },
    );
  }
}
