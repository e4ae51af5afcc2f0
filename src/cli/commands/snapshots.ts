import type { Command } from "commander";
import { CcmError } from "../../errors.js";
import { parseTaskId } from "../args.js";
import type { CliContext } from "../context.js";
import { formatTime, paint, printJson, table } from "../output.js";

/** `task snapshots | rollback`: the snapshot refs of a task branch, and going back to one. */
export function registerSnapshotCommands(task: Command, ctx: CliContext): void {
  task
    .command("snapshots")
    .description("list the task's snapshot refs (refs/ccm/snapshots/task-<id>/<n>), oldest first")
    .argument("<id>", "task id")
    .option("--json", "print as JSON: {task, snapshots}")
    .addHelpText(
      "after",
      `
Snapshots are taken every safety.snapshots.every_commits commits on the task branch and before risky
steps: approve (merge/rebase), cleanup removing a worktree, a rollback, a cancel or reject with work.
They are ordinary git refs, so \`git log refs/ccm/snapshots/task-<id>/<n>\` shows one in the project.`,
    )
    .action(async (raw: string, opts: { json?: boolean }) => {
      const { listSnapshots } = await import("../../services/snapshots.js");
      const { task: found, snapshots } = listSnapshots(ctx.store(), parseTaskId(raw));
      if (opts.json) return printJson(ctx.output, { task: found.id, branch: found.branch, snapshots });
      if (snapshots.length === 0) {
        ctx.output.out(`task #${found.id} has no snapshots yet`);
        return;
      }
      ctx.output.out(
        table(
          ["N", "COMMIT", "WHEN (UTC)", "REASON"],
          snapshots.map((s) => [String(s.n), s.commit.slice(0, 12), formatTime(s.createdAt), s.reason]),
        ),
      );
      ctx.output.out(`\nRoll back with: ccm task rollback ${found.id} --to N`);
    });

  task
    .command("rollback")
    .description(
      "reset the task branch (and its worktree) to a snapshot; the current state is snapshotted first",
    )
    .argument("<id>", "task id")
    .option("--to <n>", "snapshot number (default: the newest one that is not the branch's current tip)")
    .option(
      "--force",
      "also when the worktree has uncommitted work (it is snapshotted first, untracked files too)",
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Only the task's own branch moves. A task whose agent is working is refused (cancel or pause it first),
and so is a worktree checked out on another branch. Undo a rollback by rolling back to the snapshot it
took ("before rollback to N").

Examples:
  ccm task snapshots 12
  ccm task rollback 12 --to 3
  ccm task rollback 12 --force        # worktree has uncommitted changes: keep them in a snapshot, then reset`,
    )
    .action(async (raw: string, opts: { to?: string; force?: boolean; json?: boolean }) => {
      let to: number | undefined;
      if (opts.to !== undefined) {
        if (!/^[0-9]+$/.test(opts.to) || Number(opts.to) < 1) {
          throw new CcmError("INVALID_ARGUMENT", `--to must be a snapshot number, not '${opts.to}'`, {
            hint: "See the numbers with `ccm task snapshots ID`.",
          });
        }
        to = Number(opts.to);
      }
      const { rollbackTask } = await import("../../services/snapshots.js");
      const result = await rollbackTask(ctx.store(), parseTaskId(raw), {
        ...(to === undefined ? {} : { to }),
        force: opts.force ?? false,
      });
      if (opts.json) return printJson(ctx.output, result);
      ctx.output.out(
        `${paint(ctx.output, "green", "✓")} ${result.branch} is at snapshot ${result.to.n} (${result.to.commit.slice(0, 12)}: ${result.to.reason})`,
      );
      if (result.saved)
        ctx.output.out(`  the previous state is kept as snapshot ${result.saved.n} (${result.saved.ref})`);
      if (result.worktreeReset) ctx.output.out(`  worktree reset: ${result.task.worktreePath}`);
    });
}
