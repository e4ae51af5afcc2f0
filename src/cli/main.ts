import { Command, CommanderError } from "commander";
import { EXIT_CODES, isCcmError } from "../errors.js";
import { packageVersion } from "../version.js";
import { registerAgentCommands } from "./commands/agent.js";
import { registerAutomationCommands } from "./commands/automation.js";
import { registerCleanupCommand } from "./commands/cleanup.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerDaemonCommands } from "./commands/daemon.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerHubCommands } from "./commands/hub.js";
import { registerInfoCommands } from "./commands/info.js";
import { registerProjectCommands } from "./commands/project.js";
import { registerQuotaCommands } from "./commands/quota.js";
import { registerTaskCommands } from "./commands/task.js";
import { registerUiCommand } from "./commands/ui.js";
import { type CliContext, createContext } from "./context.js";

/** Builds the whole command tree. Exported for tests; `run` is the entry point. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("ccm")
    .description(
      "Local-first orchestrator for autonomous coding agents.\n\n" +
        "Queue tasks against your git projects; one daemon per machine runs each with a coding agent in its " +
        "own worktree and tmux window, and hands back a branch for you to approve.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--debug", "show stack traces and internal detail (also CCM_DEBUG=1)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.output.out(s.trimEnd()),
      writeErr: (s) => ctx.output.err(s.trimEnd()),
    })
    .addHelpText(
      "after",
      `
Getting started:
  ccm daemon init            create ~/.ccm (config, database) — once per machine
  cd ~/code/my-repo && ccm init
  ccm task create --project my-repo "Add rate limiting to the API"
  ccm daemon start           run the daemon (web UI/API on http://127.0.0.1:8765)
  ccm ui                     open the web UI, signed in

Environment: CCM_HOME (default ~/.ccm), CCM_CONFIG, CCM_DEBUG, NO_COLOR.`,
    );
  registerInfoCommands(program, ctx);
  registerDaemonCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerProjectCommands(program, ctx);
  registerTaskCommands(program, ctx);
  registerQuotaCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerCleanupCommand(program, ctx);
  registerUiCommand(program, ctx);
  registerAutomationCommands(program, ctx);
  registerDemoCommand(program, ctx);
  registerHubCommands(program, ctx);
  for (const command of allCommands(program))
    command.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI and returns the exit code; maps every error to a one-line message with the fix. */
export async function run(argv: readonly string[], ctx: CliContext = createContext()): Promise<number> {
  const debug = argv.includes("--debug") || ctx.env.CCM_DEBUG === "1";
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; real usage mistakes get exit 2.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return 0;
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isCcmError(error)) {
      ctx.output.err(`error: ${error.message}`);
      if (error.hint) ctx.output.err(`hint: ${error.hint}`);
      if (debug) ctx.output.err(String(error.stack ?? error));
      if (debug && error.cause)
        ctx.output.err(`cause: ${String((error.cause as Error).stack ?? error.cause)}`);
      return EXIT_CODES[error.code];
    }
    const storage = storageFailure(error);
    if (storage) {
      ctx.output.err(`error: ${storage.message}`);
      ctx.output.err(`hint: ${storage.hint}`);
      if (debug) ctx.output.err(String((error as Error)?.stack));
      return EXIT_CODES.STORAGE;
    }
    ctx.output.err(`error: unexpected failure: ${(error as Error)?.message ?? String(error)}`);
    ctx.output.err(
      debug
        ? String((error as Error)?.stack)
        : "hint: run again with --debug to see the details, and report it.",
    );
    return 1;
  } finally {
    ctx.close();
  }
}

export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2));
}

/** A file-system failure no command mapped itself (a full or read-only disk under a log, a pid file …). */
function storageFailure(error: unknown): { message: string; hint: string } | undefined {
  const { code, path, message } = (error ?? {}) as NodeJS.ErrnoException;
  const where = path ? ` (${path})` : "";
  if (code === "EROFS") {
    return {
      message: `the file system is read-only${where}; nothing was written`,
      hint: "Remount it read-write, or set CCM_HOME to a writable folder, then retry.",
    };
  }
  if (code === "ENOSPC" || code === "EDQUOT") {
    return {
      message: `the disk is full${where}; nothing was written`,
      hint: "Free some space, then retry. Data already stored is intact.",
    };
  }
  if (code === "EIO") return { message: `an I/O error${where}: ${message}`, hint: "Check the disk (dmesg)." };
  return undefined;
}
