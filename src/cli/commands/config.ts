import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { stringify } from "yaml";
import { configJsonSchema, writeFileAtomic } from "../../config/files.js";
import { ensureHome } from "../../config/home.js";
import { configFile, parseConfigText } from "../../config/load.js";
import { CcmError, isCcmError } from "../../errors.js";
import type { CliContext } from "../context.js";
import { paint, printJson } from "../output.js";

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("show, validate and edit ~/.ccm/config.yaml");

  config
    .command("show")
    .description("print the configuration in force, defaults included")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const { config: value, source } = ctx.loadedConfig();
      if (opts.json) return printJson(ctx.output, value);
      ctx.output.out(
        `# ${source ?? `no config file yet (${configFile(ctx.paths, ctx.env)}): defaults in force`}`,
      );
      ctx.output.out(stringify(value).trimEnd());
    });

  config
    .command("validate")
    .description("check the config file; exit 0 when valid, 3 when not")
    .option("--json", "print the result as JSON")
    .action((opts: { json?: boolean }) => {
      const file = configFile(ctx.paths, ctx.env);
      if (!existsSync(file)) {
        throw new CcmError("NOT_INITIALIZED", `there is no config file at ${file}`, {
          hint: "Run `ccm daemon init` to create one (defaults apply until then).",
        });
      }
      const { warnings } = parseConfigText(readFileSync(file, "utf8"), {
        file,
        paths: ctx.paths,
        env: ctx.env,
      });
      if (opts.json) return printJson(ctx.output, { valid: true, file, warnings });
      for (const w of warnings) ctx.output.err(`warning: ${w}`);
      ctx.output.out(`${paint(ctx.output, "green", "✓")} ${file} is valid`);
    });

  config
    .command("edit")
    .description("open the config in $VISUAL/$EDITOR; it is saved only if it validates")
    .action(async () => {
      await editConfig(ctx);
    });

  config
    .command("path")
    .description("print where the config file is")
    .action(() => ctx.output.out(configFile(ctx.paths, ctx.env)));
}

/** Edits a copy; the real file is replaced (atomically) only by a copy that validates. */
async function editConfig(ctx: CliContext): Promise<void> {
  const file = configFile(ctx.paths, ctx.env);
  if (!existsSync(file)) {
    throw new CcmError("NOT_INITIALIZED", `there is no config file at ${file}`, {
      hint: "Run `ccm daemon init` first; it writes a commented config to edit.",
    });
  }
  ensureHome(ctx.paths);
  const editor = (ctx.env.VISUAL || ctx.env.EDITOR || "vi").trim().split(/\s+/);
  const draft = join(ctx.paths.home, `config.edit-${process.pid}.yaml`);
  copyFileSync(file, draft);
  try {
    for (;;) {
      const result = spawnSync(editor[0]!, [...editor.slice(1), draft], { stdio: "inherit" });
      if (result.error || result.status !== 0) {
        throw new CcmError(
          "EXTERNAL_COMMAND",
          `the editor '${editor.join(" ")}' failed; the config is unchanged`,
          {
            hint: "Set $EDITOR to an editor that works here (e.g. EDITOR=nano).",
            cause: result.error,
          },
        );
      }
      const text = readFileSync(draft, "utf8");
      try {
        const { warnings } = parseConfigText(text, { file, paths: ctx.paths, env: ctx.env });
        for (const w of warnings) ctx.output.err(`warning: ${w}`);
        writeFileAtomic(file, text);
        writeFileAtomic(ctx.paths.configSchema, configJsonSchema());
        ctx.output.out(`${paint(ctx.output, "green", "✓")} saved ${file}`);
        return;
      } catch (error) {
        if (!isCcmError(error)) throw error;
        ctx.output.err(`error: ${error.message}`);
        if (!(await askYesNo(ctx, "Edit again? (no keeps the previous config)"))) {
          throw new CcmError(
            "CONFIG_INVALID",
            "the edited config was invalid; the previous config was kept",
            {
              hint: "Run `ccm config edit` again when ready.",
            },
          );
        }
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

async function askYesNo(ctx: CliContext, question: string): Promise<boolean> {
  if (!ctx.stdin.isTTY) return false;
  const rl = createInterface({ input: ctx.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [Y/n] `)).trim().toLowerCase();
    return answer === "" || answer === "y" || answer === "yes";
  } finally {
    rl.close();
  }
}
