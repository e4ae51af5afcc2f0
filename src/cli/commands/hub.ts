import type { Command } from "commander";
import { CcmError } from "../../errors.js";
import type { CliContext } from "../context.js";
import { printJson } from "../output.js";

const NOT_BUILT = "the Supabase hub is not built in this version; ccm runs local-only and loses nothing";

/**
 * The spec's `supabase` and `sync` commands. The hub comes later; until then they say so plainly instead of
 * pretending, and the status commands report the local-only state for scripts.
 */
export function registerHubCommands(program: Command, ctx: CliContext): void {
  const status = (opts: { json?: boolean }) => {
    const info = { hub: "not built", mode: "local-only", configured: ctx.config().supabase.enabled };
    if (opts.json) return printJson(ctx.output, info);
    ctx.output.out(`local-only: ${NOT_BUILT}`);
  };
  const unavailable = (what: string) => () => {
    throw new CcmError("INVALID_ARGUMENT", `cannot ${what}: ${NOT_BUILT}`, {
      hint: "Everything else works offline; see `ccm --help`.",
    });
  };

  const supabase = program.command("supabase").description("the optional multi-machine hub (not built yet)");
  supabase
    .command("status")
    .description("show the hub connection")
    .option("--json", "print as JSON")
    .action(status);
  supabase.command("connect").description("connect to a hub (not built yet)").action(unavailable("connect"));
  supabase
    .command("disconnect")
    .description("disconnect from the hub (not built yet)")
    .action(unavailable("disconnect"));

  const sync = program.command("sync").description("sync with the hub (not built yet)");
  sync.command("status").description("show the sync state").option("--json", "print as JSON").action(status);
  sync.command("now").description("sync now (not built yet)").action(unavailable("sync"));
}
