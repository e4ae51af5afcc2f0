import { arch, platform, release } from "node:os";
import type { Command } from "commander";
import { configFile } from "../../config/load.js";
import { daemonStatus } from "../../daemon/control.js";
import { SCHEMA_VERSION } from "../../store/migrations/index.js";
import { listProjects } from "../../store/projects.js";
import { countByState, queueDepth } from "../../store/tasks.js";
import { packageVersion } from "../../version.js";
import type { CliContext } from "../context.js";
import { printJson } from "../output.js";

export function registerInfoCommands(program: Command, ctx: CliContext): void {
  program
    .command("version")
    .description("print the version")
    .option("--json", "print as JSON with the runtime versions")
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        return printJson(ctx.output, {
          version: packageVersion(),
          node: process.versions.node,
          schema: SCHEMA_VERSION,
        });
      }
      ctx.output.out(packageVersion());
    });

  program
    .command("info")
    .description("show this machine's setup: paths, profile, daemon, projects, tasks")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const { config, source } = ctx.loadedConfig();
      const store = ctx.store();
      const daemon = daemonStatus(ctx.paths);
      const info = {
        version: packageVersion(),
        node: process.versions.node,
        platform: `${platform()} ${release()} ${arch()}`,
        ccmHome: ctx.paths.home,
        config: source ?? `${configFile(ctx.paths, ctx.env)} (not created yet: defaults in force)`,
        database: config.database.sqlite_path,
        schemaVersion: SCHEMA_VERSION,
        profile: config.profile,
        hostname: config.system.hostname,
        systemId: config.system.id ?? null,
        hub: config.supabase.enabled ? "configured, but not built yet: local-only" : "off (local-only)",
        daemon: daemon.running ? `running (pid ${daemon.pid})` : "not running",
        projects: listProjects(store).length,
        queued: queueDepth(store),
        tasksByState: countByState(store),
      };
      if (opts.json) return printJson(ctx.output, info);
      const width = 15;
      for (const [key, value] of Object.entries(info)) {
        const text =
          typeof value === "object" && value !== null
            ? Object.entries(value)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ") || "none"
            : String(value);
        ctx.output.out(`${`${key}:`.padEnd(width)}${text}`);
      }
    });
}
