import type { Command } from "commander";
import { CcmError } from "../../errors.js";
import { parseTaskId, readStdin } from "../args.js";
import type { CliContext } from "../context.js";
import { paint, printJson } from "../output.js";

/** `task diff | approve | reject`: the review side of a finished task. */
export function registerReviewCommands(task: Command, ctx: CliContext): void {
  task
    .command("diff")
    .description("show the task's whole branch against its base branch")
    .argument("<id>", "task id")
    .option("--stat", "only the files changed and line counts")
    .action(async (raw: string, opts: { stat?: boolean }) => {
      const { taskDiff } = await import("../../services/review.js");
      const text = await taskDiff(ctx.store(), parseTaskId(raw), { stat: opts.stat ?? false });
      ctx.output.out(text.length > 0 ? text : "(no changes against the base branch)");
    });

  task
    .command("approve")
    .description("merge the task's branch into its base branch (a conflict changes nothing)")
    .argument("<id>", "task id")
    .option("--merge", "a merge commit (default, unless the project config says otherwise)")
    .option("--squash", "one squashed commit")
    .option("--rebase", "the task's commits replayed on top of the base branch")
    .option("-m, --message <text>", "commit message for the merge or squash commit")
    .option("--json", "print the result as JSON")
    .action(
      async (
        raw: string,
        opts: { merge?: boolean; squash?: boolean; rebase?: boolean; message?: string; json?: boolean },
      ) => {
        const chosen = (["merge", "squash", "rebase"] as const).filter((s) => opts[s]);
        if (chosen.length > 1) {
          throw new CcmError(
            "INVALID_ARGUMENT",
            `choose one of --merge, --squash, --rebase (got ${chosen.join(", ")})`,
          );
        }
        const { approveTask } = await import("../../services/review.js");
        const result = await approveTask(ctx.store(), parseTaskId(raw), {
          ...(chosen[0] ? { strategy: chosen[0] } : {}),
          ...(opts.message ? { message: opts.message } : {}),
        });
        if (opts.json) return printJson(ctx.output, result);
        ctx.output.out(
          `${paint(ctx.output, "green", "✓")} task #${result.task.id} merged into ${result.task.baseBranch} ` +
            `(${result.strategy}, ${result.sha.slice(0, 12)})`,
        );
        if (result.worktreeRemoved) ctx.output.out(`  worktree removed: ${result.task.worktreePath}`);
        ctx.output.out(`  branch ${result.task.branch} ${result.branchDeleted ? "deleted" : "kept"}`);
      },
    );

  task
    .command("reject")
    .description("reject the task's work; its branch and worktree are kept")
    .argument("<id>", "task id")
    .option("--reason <text>", "why, recorded in the task's history", "rejected by user")
    .option("--json", "print the task as JSON")
    .action(async (raw: string, opts: { reason: string; json?: boolean }) => {
      const { rejectTask } = await import("../../services/review.js");
      const rejected = await rejectTask(ctx.store(), parseTaskId(raw), opts.reason);
      if (opts.json) return printJson(ctx.output, rejected);
      ctx.output.out(`rejected task #${rejected.id}; branch ${rejected.branch ?? "-"} is kept`);
    });

  task
    .command("reply")
    .description(
      "send finished or failed work back to its agent with a follow-up (resumes the agent's session)",
    )
    .argument("<id>", "task id")
    .argument("[prompt...]", "the follow-up; stdin when none is given")
    .option("--json", "print the task as JSON")
    .action(async (raw: string, words: string[], opts: { json?: boolean }) => {
      let prompt = words.join(" ");
      if (prompt.trim() === "" && !ctx.stdin.isTTY) prompt = await readStdin(ctx.stdin);
      const { replyToTask } = await import("../../services/review.js");
      const task = replyToTask(ctx.store(), parseTaskId(raw), prompt);
      if (opts.json) return printJson(ctx.output, task);
      ctx.output.out(`task #${task.id} is ${task.state} again with your follow-up`);
    });
}
