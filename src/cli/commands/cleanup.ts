import type { Command } from "commander";
import { CcmError } from "../../errors.js";
import type { CliContext } from "../context.js";
import { paint, printJson, table } from "../output.js";

/** `ccm cleanup`: old task worktrees, stale worktree entries and run folders. */
export function registerCleanupCommand(program: Command, ctx: CliContext): void {
  program
    .command("cleanup")
    .description(
      "remove old task worktrees, stale git worktree entries and old run folders (never unsaved work)",
    )
    .option("--dry-run", "only list what would be removed and why")
    .option("--force", "also worktrees of tasks awaiting approval or paused (work is snapshotted first)")
    .option("--older-than <days>", "age limit in days (default: safety.cleanup.worktree_max_age_days)")
    .option("--json", "print the report as JSON: {dryRun, items, removed, kept}")
    .addHelpText(
      "after",
      `
A task worktree goes once its task finished more than the age limit ago and is merged, or rejected,
cancelled or failed. Before removal, uncommitted files are committed onto the task branch (a checkpoint)
and unmerged commits are kept in a snapshot ref (refs/ccm/snapshots/task-<id>/<n>), so nothing is lost:
\`ccm task snapshots ID\` lists them. A merged task's branch is deleted; other branches stay. Tasks an agent
is working on are never touched. Note: git deletes ignored files (node_modules, .env) with the folder.
The daemon runs this every safety.cleanup.interval_hours.

Examples:
  ccm cleanup --dry-run
  ccm cleanup --older-than 0 --force     # everything not being worked on, now`,
    )
    .action(async (opts: { dryRun?: boolean; force?: boolean; olderThan?: string; json?: boolean }) => {
      let olderThanDays: number | undefined;
      if (opts.olderThan !== undefined) {
        olderThanDays = Number(opts.olderThan);
        if (opts.olderThan.trim() === "" || !Number.isFinite(olderThanDays) || olderThanDays < 0) {
          throw new CcmError(
            "INVALID_ARGUMENT",
            `--older-than must be a number of days (0 or more), not '${opts.olderThan}'`,
          );
        }
      }
      const { runCleanup } = await import("../../services/cleanup.js");
      const { join } = await import("node:path");
      const report = await runCleanup(
        {
          store: ctx.store(),
          runsDir: join(ctx.paths.home, "runs"),
          maxAgeDays: ctx.config().safety.cleanup.worktree_max_age_days,
          actor: "cli",
        },
        {
          dryRun: opts.dryRun ?? false,
          force: opts.force ?? false,
          ...(olderThanDays === undefined ? {} : { olderThanDays }),
        },
      );
      if (opts.json) return printJson(ctx.output, report);
      if (report.items.length === 0) {
        ctx.output.out("nothing to clean up");
        return;
      }
      const verb = (i: (typeof report.items)[number]) => {
        if (i.action === "keep") return paint(ctx.output, "dim", "keep");
        if (report.dryRun) return paint(ctx.output, "yellow", "would remove");
        return i.done ? paint(ctx.output, "green", "removed") : paint(ctx.output, "red", "failed");
      };
      ctx.output.out(
        table(
          ["ACTION", "WHAT", "TASK", "PATH", "WHY"],
          report.items.map((i) => [
            verb(i),
            i.kind,
            i.taskId === null ? "-" : `#${i.taskId}`,
            i.path,
            [
              i.reason,
              i.snapshotRef ? `snapshot ${i.snapshotRef}` : "",
              i.branchDeleted ? "branch deleted" : "",
              i.error ?? "",
            ]
              .filter((s) => s !== "")
              .join("; "),
          ]),
        ),
      );
      const failed = report.items.some((i) => i.action === "remove" && !report.dryRun && !i.done);
      ctx.output.out(
        report.dryRun
          ? `\n${report.removed} item(s) would be removed (dry run: nothing changed)`
          : `\n${report.removed} item(s) removed, ${report.kept} kept`,
      );
      if (failed) process.exitCode = 9;
    });
}
