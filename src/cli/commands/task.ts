import { existsSync } from "node:fs";
import { sep } from "node:path";
import { type Command, Option } from "commander";
import type { AgentMode } from "../../agents/adapter.js";
import { PRIORITIES, type Priority } from "../../core/priority.js";
import { TASK_STATES, type TaskState } from "../../core/task-state.js";
import { CcmError } from "../../errors.js";
import { cancelTask, queueTask, taskDetail } from "../../services/tasks.js";
import { listProjects } from "../../store/projects.js";
import { listTasks, type Task } from "../../store/tasks.js";
import { parsePositiveInt, parseTaskId, readStdin } from "../args.js";
import type { CliContext } from "../context.js";
import { formatAge, formatTime, paint, printJson, type Style, table, truncate } from "../output.js";
import { registerEventCommands } from "./events.js";
import { registerTaskPauseCommands } from "./quota.js";
import { registerReviewCommands } from "./review.js";
import { registerSnapshotCommands } from "./snapshots.js";

const AGENT_MODES = ["headless", "interactive", "hybrid"] as const;

const STATE_STYLE: Partial<Record<TaskState, Style>> = {
  failed: "red",
  rejected: "red",
  merged: "green",
  awaiting_approval: "yellow",
  paused: "yellow",
  executing: "cyan",
  planning: "cyan",
  reviewing: "cyan",
  verifying: "cyan",
  cancelled: "dim",
};

export function registerTaskCommands(program: Command, ctx: CliContext): void {
  const task = program.command("task").description("create, list, inspect, review, approve and cancel tasks");

  task
    .command("create")
    .description("queue a task; the prompt is the argument, or stdin when none is given")
    .argument("[prompt...]", "what the agent should do")
    .option(
      "-p, --project <name>",
      "project to run it in (default: the registered project containing the current folder)",
    )
    .addOption(new Option("--priority <level>", "queue priority").choices(PRIORITIES).default("normal"))
    .option("--agent <name>", "agent to run it (default: the project's agent)")
    .option(
      "--depends-on <ids>",
      "start only after these tasks are merged (repeat it, or separate ids with commas)",
      (value: string, previous: string[] = []) => [
        ...previous,
        ...value.split(",").filter((v) => v.trim() !== ""),
      ],
    )
    .option("--title <title>", "short title (default: the prompt's first line)")
    .addOption(
      new Option("--mode <mode>", "how the agent runs (default: the project's)").choices(AGENT_MODES),
    )
    .option(
      "--skip <stages>",
      "switch stages off for this task: planning, reviewing, verifying (comma-separated)",
      (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((v) => v.trim())],
    )
    .option("--json", "print the created task as JSON")
    .addHelpText(
      "after",
      `
Examples:
  ccm task create --project repo-1 "Add rate limiting to the API"
  echo "Test task" | ccm task create --project repo-1
  ccm task create -p repo-1 --priority urgent --depends-on 12,13 "Update the docs for the new API"`,
    )
    .action(
      async (
        words: string[],
        opts: {
          project?: string;
          priority: Priority;
          agent?: string;
          dependsOn?: string[];
          title?: string;
          mode?: AgentMode;
          skip?: string[];
          json?: boolean;
        },
      ) => {
        let prompt = words.join(" ");
        if (prompt.trim() === "") {
          if (ctx.stdin.isTTY) {
            throw new CcmError("INVALID_ARGUMENT", "no prompt given", {
              hint: 'Pass it as an argument (ccm task create -p NAME "Fix the login bug") or pipe it on stdin.',
            });
          }
          prompt = await readStdin(ctx.stdin);
        }
        const created = queueTask(
          ctx.store(),
          {
            project: opts.project ?? projectForCwd(ctx),
            prompt,
            priority: opts.priority,
            ...(opts.title ? { title: opts.title } : {}),
            ...(opts.agent ? { agent: opts.agent } : {}),
            dependsOn: (opts.dependsOn ?? []).map((id) => parseTaskId(id.trim())),
            ...(opts.mode ? { mode: opts.mode } : {}),
            ...(opts.skip ? { skip: opts.skip } : {}),
          },
          { maxQueueSize: ctx.config().resources.max_queue_size },
        );
        if (opts.json) return printJson(ctx.output, created);
        ctx.output.out(
          `queued task #${created.id} in ${created.project} (${created.priority}): ${created.title}`,
        );
      },
    );

  task
    .command("list")
    .description("list tasks, newest first")
    .option("-p, --project <name>", "only this project's tasks")
    .addOption(new Option("--state <state>", "only tasks in this state").choices(TASK_STATES))
    .option("--limit <n>", "show at most n tasks", "50")
    .option("--all", "show every matching task")
    .option("--json", "print as JSON: {tasks, total}")
    .action((opts: { project?: string; state?: TaskState; limit: string; all?: boolean; json?: boolean }) => {
      const limit = opts.all ? undefined : parsePositiveInt(opts.limit, "--limit");
      const { tasks, total } = listTasks(ctx.store(), {
        ...(opts.project ? { project: opts.project } : {}),
        ...(opts.state ? { state: opts.state } : {}),
        ...(limit === undefined ? {} : { limit }),
      });
      if (opts.json) return printJson(ctx.output, { tasks, total });
      if (total === 0) {
        ctx.output.out('no tasks match; create one with `ccm task create --project NAME "..."`');
        return;
      }
      const now = Date.now();
      ctx.output.out(
        table(
          ["ID", "PROJECT", "STATE", "PRIORITY", "AGE", "TITLE"],
          tasks.map((t) => [
            `#${t.id}`,
            t.project,
            paint(ctx.output, STATE_STYLE[t.state] ?? "bold", t.state),
            t.priority,
            formatAge(t.createdAt, now),
            truncate(t.title, 60),
          ]),
        ),
      );
      if (tasks.length < total)
        ctx.output.out(`(${tasks.length} of ${total}; use --limit N or --all for more)`);
    });

  task
    .command("show")
    .description("show a task with its dependencies and every state change")
    .argument("<id>", "task id")
    .option("--json", "print as JSON: the task with its transitions")
    .action((raw: string, opts: { json?: boolean }) => {
      const detail = taskDetail(ctx.store(), parseTaskId(raw));
      if (opts.json) return printJson(ctx.output, detail);
      const { transitions, reports, commits, agents, ...found } = detail;
      printTask(ctx, found);
      if (found.failureReason)
        ctx.output.out(`\n${paint(ctx.output, "red", "Failure:")} ${found.failureReason}`);
      for (const kind of ["plan", "review", "verify"] as const) {
        const report = reports.filter((r) => r.kind === kind).at(-1);
        if (!report) continue;
        const label = { plan: "Plan", review: "Review", verify: "Verification" }[kind];
        ctx.output.out(
          `\n${label}${report.status ? ` (${report.status})` : ""}:\n${truncateLines(report.body, 40).replace(/^/gm, "  ")}`,
        );
      }
      if (commits.length > 0) {
        ctx.output.out("\nCommits:");
        for (const c of commits)
          ctx.output.out(`  ${c.sha.slice(0, 10)} ${c.subject}${c.checkpoint ? " (checkpoint)" : ""}`);
      }
      const live = agents.filter((a) => a.status !== "exited" && a.status !== "lost").at(-1);
      if (live)
        ctx.output.out(
          `\nAgent ${live.id} is ${live.status} in tmux window ${live.windowName}: ccm attach ${found.id}`,
        );
      if (found.state === "awaiting_approval") {
        ctx.output.out(
          `\nReview: ccm task diff ${found.id}   then: ccm task approve ${found.id}  or  ccm task reject ${found.id}`,
        );
      }
      ctx.output.out("\nHistory:");
      ctx.output.out(
        table(
          ["WHEN (UTC)", "FROM", "TO", "BY", "REASON"],
          transitions.map((t) => [formatTime(t.at), t.from ?? "-", t.to, t.actor, t.reason]),
        ),
      );
    });

  task
    .command("cancel")
    .description("cancel a task (its branch and worktree, if any, are kept)")
    .argument("<id>", "task id")
    .option("--reason <text>", "why, recorded in the task's history", "cancelled by user")
    .option("--json", "print the task as JSON")
    .action(async (raw: string, opts: { reason: string; json?: boolean }) => {
      const cancelled = await cancelTask(ctx.store(), parseTaskId(raw), opts.reason);
      if (opts.json) return printJson(ctx.output, cancelled);
      ctx.output.out(`cancelled task #${cancelled.id}`);
    });

  registerReviewCommands(task, ctx);
  registerSnapshotCommands(task, ctx);
  registerEventCommands(task, ctx);
  registerTaskPauseCommands(task, ctx);
}

function truncateLines(text: string, max: number): string {
  const lines = text.trimEnd().split("\n");
  return lines.length > max
    ? [...lines.slice(0, max), `… (${lines.length - max} more lines; --json for all)`].join("\n")
    : lines.join("\n");
}

function printTask(ctx: CliContext, t: Task): void {
  const rows: [string, string][] = [
    ["Task", `#${t.id} ${t.title}`],
    ["Project", t.project],
    [
      "State",
      paint(ctx.output, STATE_STYLE[t.state] ?? "bold", t.state) + (t.stage ? ` (stage: ${t.stage})` : ""),
    ],
    ["Priority", t.priority],
    ["Agent", t.agent ?? "(project default)"],
    ["Depends on", t.dependsOn.length > 0 ? t.dependsOn.map((d) => `#${d}`).join(", ") : "-"],
    ["Branch", t.branch ?? "-"],
    ["Worktree", t.worktreePath ? `${t.worktreePath}${existsSync(t.worktreePath) ? "" : " (removed)"}` : "-"],
    ["Created", formatTime(t.createdAt)],
    ["Started", formatTime(t.startedAt)],
    ["Finished", formatTime(t.finishedAt)],
  ];
  for (const [k, v] of rows) ctx.output.out(`${`${k}:`.padEnd(12)}${v}`);
  ctx.output.out(`\nPrompt:\n${t.prompt.replace(/^/gm, "  ")}`);
}

/** The registered project whose folder contains the current directory. */
function projectForCwd(ctx: CliContext): string {
  const projects = listProjects(ctx.store());
  const match = projects
    .filter((p) => ctx.cwd === p.path || ctx.cwd.startsWith(p.path + sep))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (match) return match.name;
  throw new CcmError(
    "INVALID_ARGUMENT",
    "no --project given and the current folder is not in a registered project",
    {
      hint:
        projects.length > 0
          ? `Pass --project with one of: ${projects.map((p) => p.name).join(", ")}.`
          : "Register one first: `ccm init` in a git repository.",
    },
  );
}
