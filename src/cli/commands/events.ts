import type { Command } from "commander";
import { type EventRow, listEvents } from "../../store/events.js";
import { getTask } from "../../store/tasks.js";
import { parsePositiveInt, parseTaskId } from "../args.js";
import type { CliContext } from "../context.js";
import { formatTime, paint, truncate } from "../output.js";

/** `task events ID [-f]`: what the agent did, from its hooks and its output stream. */
export function registerEventCommands(task: Command, ctx: CliContext): void {
  task
    .command("events")
    .description("the task's events (hook calls, tool use, output); -f follows them live")
    .argument("<id>", "task id")
    .option("-f, --follow", "keep printing new events until the task finishes or you interrupt")
    .option("-n, --limit <n>", "at most this many events first", "200")
    .option("--json", "one JSON object per line")
    .action(async (raw: string, opts: { follow?: boolean; limit: string; json?: boolean }) => {
      const store = ctx.store();
      const id = parseTaskId(raw);
      getTask(store, id);
      const limit = parsePositiveInt(opts.limit, "--limit");
      const print = (e: EventRow) => {
        if (opts.json) return ctx.output.out(JSON.stringify(e));
        const what = `${e.source === "hook" ? "hook " : ""}${e.event}${e.tool ? ` ${e.tool}` : ""}`;
        const flag = e.decision && e.decision !== "allow" ? paint(ctx.output, "red", ` [${e.decision}]`) : "";
        const invalid = e.valid ? "" : paint(ctx.output, "yellow", " [invalid payload]");
        ctx.output.out(`${formatTime(e.at)}  ${what.padEnd(28)}${flag}${invalid}  ${summary(e)}`);
      };
      let last = 0;
      for (const e of listEvents(store, { taskId: id, limit })) {
        print(e);
        last = e.id;
      }
      while (opts.follow) {
        await new Promise((r) => setTimeout(r, 250));
        for (const e of listEvents(store, { taskId: id, afterId: last })) {
          print(e);
          last = e.id;
        }
        const state = getTask(store, id).state;
        if (["awaiting_approval", "merged", "failed", "cancelled", "rejected"].includes(state)) break;
      }
    });
}

function summary(e: EventRow): string {
  const p = e.payload as Record<string, unknown> | string | null;
  if (typeof p === "string") return truncate(p, 100);
  if (!p || typeof p !== "object") return "";
  const input = p.tool_input as Record<string, unknown> | undefined;
  const text =
    (input?.command as string | undefined) ??
    (input?.file_path as string | undefined) ??
    (p.prompt as string | undefined) ??
    (p.last_assistant_message as string | undefined) ??
    (p.message as string | undefined) ??
    (p.text as string | undefined) ??
    "";
  return truncate(String(text), 100);
}
