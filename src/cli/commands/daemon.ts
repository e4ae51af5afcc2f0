import { createReadStream, existsSync, readFileSync, statSync, watch } from "node:fs";
import { hostname } from "node:os";
import { createInterface } from "node:readline/promises";
import { type Command, Option } from "commander";
import { PROFILES, type Profile } from "../../config/schema.js";
import {
  DAEMON_ARGV,
  daemonStatus,
  healthUrl,
  STDERR_LOG,
  startDetached,
  stopDaemon,
} from "../../daemon/control.js";
import { CcmError } from "../../errors.js";
import { initSystem } from "../../services/system.js";
import { queueDepth } from "../../store/tasks.js";
import { packageVersion } from "../../version.js";
import { parsePositiveInt } from "../args.js";
import type { CliContext } from "../context.js";
import { formatAge, paint, printJson } from "../output.js";

export function registerDaemonCommands(program: Command, ctx: CliContext): void {
  const daemon = program.command("daemon").description("set up, start, stop and inspect the daemon");

  daemon
    .command("init")
    .description("create ~/.ccm (config.yaml, database, folders); asks on a TTY, flags for scripts")
    .addOption(
      new Option("--profile <profile>", "full (web UI + API) or minimal (API only)").choices(PROFILES),
    )
    .option("--supabase", "ask for the Supabase hub (not built yet: ccm continues local-only)")
    .option("--no-supabase", "local only (the default)")
    .option("--hostname <name>", "name of this machine (default: the OS hostname)")
    .option("-y, --yes", "accept the defaults without asking")
    .option("--force", "rewrite an existing config.yaml")
    .option("--json", "print the result as JSON")
    .action(
      async (opts: {
        profile?: Profile;
        supabase?: boolean;
        hostname?: string;
        yes?: boolean;
        force?: boolean;
        json?: boolean;
      }) => {
        const interactive = Boolean(ctx.stdin.isTTY) && !opts.yes && !opts.json;
        let profile = opts.profile ?? "full";
        let host = opts.hostname ?? hostname();
        let wantsSupabase = opts.supabase === true;
        if (interactive && !(existsSync(ctx.paths.config) && !opts.force)) {
          const rl = createInterface({ input: ctx.stdin, output: process.stdout });
          try {
            if (!opts.profile) {
              const a = await rl.question("Profile? [1] Full (web UI + API)  [2] Minimal (API only) [1]: ");
              profile = a.trim() === "2" || a.trim().toLowerCase() === "minimal" ? "minimal" : "full";
            }
            if (opts.supabase === undefined) {
              wantsSupabase = /^y/i.test((await rl.question("Enable the Supabase hub? (y/N): ")).trim());
            }
            if (!opts.hostname) host = (await rl.question(`System hostname? [${host}]: `)).trim() || host;
          } finally {
            rl.close();
          }
        }
        if (wantsSupabase && !opts.json) {
          ctx.output.out(
            "note: the Supabase hub is not built yet; continuing local-only (supabase.enabled: false).",
          );
        }
        const result = initSystem({
          paths: ctx.paths,
          env: ctx.env,
          profile,
          hostname: host,
          ...(opts.force ? { force: true } : {}),
        });
        if (opts.json) return printJson(ctx.output, result);
        ctx.output.out(
          result.configWritten
            ? `${paint(ctx.output, "green", "✓")} wrote ${result.configPath} (profile ${result.profile})`
            : `kept the existing ${result.configPath} (profile ${result.profile}); --force rewrites it`,
        );
        ctx.output.out(`${paint(ctx.output, "green", "✓")} database ready at ${result.dbPath}`);
        if (result.automationsEnabled.length > 0) {
          ctx.output.out(
            `${paint(ctx.output, "green", "✓")} automations enabled: ${result.automationsEnabled.join(", ")} (ccm automation list)`,
          );
        }
        ctx.output.out(
          "\nNext:\n  ccm daemon start              run the daemon now\n" +
            "  ccm daemon install-service    start it at login (systemd / launchd)\n" +
            "  cd ~/code/my-repo && ccm init register a project",
        );
      },
    );

  daemon
    .command("start")
    .description("start the daemon in the background (or in the foreground, as service managers run it)")
    .option("--foreground", "run in this process until SIGTERM/SIGINT (what the service unit runs)")
    .option("--json", "print the daemon's address as JSON")
    .action(async (opts: { foreground?: boolean; json?: boolean }) => {
      if (opts.foreground) return runForeground(ctx);
      const config = ctx.config();
      const state = await startDetached({ paths: ctx.paths, env: ctx.env, logFile: config.daemon.log_file });
      if (opts.json) return printJson(ctx.output, state);
      ctx.output.out(`${paint(ctx.output, "green", "✓")} daemon started (pid ${state.pid})`);
      ctx.output.out(`  API: ${healthUrl(state).replace(/\/health$/, "")}   log: ${config.daemon.log_file}`);
    });

  daemon
    .command("stop")
    .description("stop the daemon gracefully (running agents keep running in tmux)")
    .option("--json", "print the result as JSON")
    .action(async (opts: { json?: boolean }) => {
      const result = await stopDaemon(ctx.paths);
      if (opts.json) return printJson(ctx.output, result);
      if (result.wasRunning) ctx.output.out(`daemon stopped (pid ${result.pid})`);
      else if (result.clearedStale)
        ctx.output.out(`daemon was not running; removed a stale pidfile (pid ${result.clearedStale})`);
      else ctx.output.out("daemon was not running");
    });

  daemon
    .command("restart")
    .description("stop the daemon if it runs, then start it")
    .action(async () => {
      const stopped = await stopDaemon(ctx.paths);
      const state = await startDetached({
        paths: ctx.paths,
        env: ctx.env,
        logFile: ctx.config().daemon.log_file,
      });
      ctx.output.out(`daemon ${stopped.wasRunning ? "restarted" : "started"} (pid ${state.pid})`);
    });

  daemon
    .command("status")
    .description("is the daemon running? pid, uptime, profile, queue depth (exit 7 when not running)")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const status = daemonStatus(ctx.paths);
      const queued = queueDepth(ctx.store());
      let health: unknown;
      if (status.state) {
        try {
          const res = await fetch(healthUrl(status.state), { signal: AbortSignal.timeout(2000) });
          health = res.ok ? await res.json() : undefined;
        } catch {
          health = undefined;
        }
      }
      const info = {
        running: status.running,
        pid: status.pid ?? null,
        profile: status.state?.profile ?? ctx.config().profile,
        version: status.state?.version ?? null,
        startedAt: status.state?.startedAt ?? null,
        uptimeSeconds: status.state ? Math.round((Date.now() - status.state.startedAt) / 1000) : null,
        url: status.state ? healthUrl(status.state).replace(/\/health$/, "") : null,
        healthy: health !== undefined,
        queueDepth: queued,
        stalePid: status.stalePid ?? null,
      };
      if (!status.running) process.exitCode = 7;
      if (opts.json) return printJson(ctx.output, info);
      if (!status.running) {
        ctx.output.out(`${paint(ctx.output, "red", "●")} daemon: not running`);
        if (status.stalePid)
          ctx.output.out(`  (stale pidfile from pid ${status.stalePid}: it crashed or was killed)`);
        ctx.output.out(`  queued tasks: ${queued}\n  start it with: ccm daemon start`);
        return;
      }
      ctx.output.out(`${paint(ctx.output, "green", "●")} daemon: running (pid ${info.pid})`);
      if (status.state) {
        ctx.output.out(`  uptime:  ${formatAge(status.state.startedAt)}`);
        ctx.output.out(`  profile: ${info.profile}   version: ${info.version}`);
        ctx.output.out(
          `  API:     ${info.url}${info.healthy ? "" : paint(ctx.output, "yellow", "  (not answering)")}`,
        );
      }
      ctx.output.out(`  queued tasks: ${queued}`);
    });

  daemon
    .command("logs")
    .description("print the end of the daemon log; -f follows it")
    .option("-f, --follow", "keep printing new lines until interrupted")
    .option("-n, --lines <n>", "how many lines to show first", "50")
    .option("--stderr", `show ${STDERR_LOG} (start-up crashes) instead`)
    .action(async (opts: { follow?: boolean; lines: string; stderr?: boolean }) => {
      const file = opts.stderr ? `${ctx.paths.logs}/${STDERR_LOG}` : ctx.config().daemon.log_file;
      if (!existsSync(file)) {
        throw new CcmError("DAEMON_NOT_RUNNING", `there is no log at ${file} yet`, {
          hint: "The daemon writes it once started: ccm daemon start",
        });
      }
      const n = parsePositiveInt(opts.lines, "--lines");
      const text = readFileSync(file, "utf8").trimEnd();
      if (text) ctx.output.out(text.split("\n").slice(-n).join("\n"));
      if (opts.follow) await follow(file, statSync(file).size, (chunk) => process.stdout.write(chunk));
    });

  daemon
    .command("install-service")
    .description("write a systemd user unit (Linux) or launchd agent (macOS) that keeps the daemon running")
    .option("--force", "replace an existing, different unit file")
    .option("--json", "print the result as JSON")
    .action(async (opts: { force?: boolean; json?: boolean }) => {
      const { installService } = await import("../../daemon/service.js");
      const result = await installService({
        platform: process.platform,
        home: ctx.env.HOME ?? "",
        nodePath: process.execPath,
        args: [...DAEMON_ARGV],
        ccmHome: ctx.paths.home,
        env: { CCM_HOME: ctx.paths.home, PATH: ctx.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" },
        logFile: `${ctx.paths.logs}/daemon.service.log`,
        errorLogFile: `${ctx.paths.logs}/${STDERR_LOG}`,
        hostEnv: ctx.env,
        ...(opts.force ? { force: true } : {}),
      });
      if (opts.json) return printJson(ctx.output, result);
      const verb = { created: "wrote", unchanged: "already up to date:", replaced: "replaced" }[
        result.status
      ];
      ctx.output.out(`${paint(ctx.output, "green", "✓")} ${verb} ${result.path}`);
      if (result.verification.ran) ctx.output.out("  systemd-analyze verify: ok");
      else if (result.kind === "systemd") ctx.output.out(`  not verified (${result.verification.reason})`);
      for (const note of result.notes) ctx.output.out(`  note: ${note}`);
      ctx.output.out("Enable it with:");
      for (const cmd of result.enableCommands) ctx.output.out(`  ${cmd.join(" ")}`);
    });

  daemon
    .command("uninstall-service")
    .description("remove the unit written by install-service (prints how to disable it first)")
    .option("--json", "print the result as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { uninstallService } = await import("../../daemon/service.js");
      const result = await uninstallService({ platform: process.platform, home: ctx.env.HOME ?? "" });
      if (opts.json) return printJson(ctx.output, result);
      ctx.output.out(result.removed ? `removed ${result.path}` : `no service file at ${result.path}`);
      if (result.removed) {
        ctx.output.out("If the service was enabled or running, finish with:");
        for (const cmd of result.disableCommands) ctx.output.out(`  ${cmd.join(" ")}`);
      }
    });
}

async function runForeground(ctx: CliContext): Promise<void> {
  // Loaded on demand: the HTTP server and logger cost ~100 ms of start-up that other commands should not pay.
  const { runInForeground } = await import("../../daemon/foreground.js");
  await runInForeground({
    paths: ctx.paths,
    config: ctx.config(),
    version: packageVersion(),
    onStarted: (state) =>
      ctx.output.err(
        `ccm daemon running (pid ${process.pid}) on http://${state.host}:${state.port}; Ctrl-C stops it`,
      ),
  });
}

/** Prints what is appended to a file until the process is interrupted. */
function follow(file: string, from: number, write: (chunk: string) => void): Promise<never> {
  let position = from;
  const pump = () => {
    const size = statSync(file).size;
    if (size < position) position = 0; // truncated or rotated
    if (size === position) return;
    const stream = createReadStream(file, { start: position, end: size - 1, encoding: "utf8" });
    position = size;
    stream.on("data", (chunk) => write(String(chunk)));
  };
  watch(file, pump);
  setInterval(pump, 1000);
  return new Promise<never>(() => {});
}
