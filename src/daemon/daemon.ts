import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { automationDirs, installShipped } from "../automations/catalog.js";
import { writeFileAtomic } from "../config/files.js";
import { ensureHome } from "../config/home.js";
import type { Config } from "../config/load.js";
import type { CcmPaths } from "../config/paths.js";
import { CcmError } from "../errors.js";
import { channelsFromConfig, createAlertRouter } from "../notify/router.js";
import { createQuotaMonitor, type QuotaMonitor } from "../quota/monitor.js";
import { createApp } from "../server/app.js";
import { createAuth } from "../server/auth.js";
import { createLiveFeed } from "../server/live-feed.js";
import { hookTokenOf, loadOrCreateToken } from "../server/token.js";
import { openStore, type Store } from "../store/db.js";
import { queueDepth } from "../store/tasks.js";
import { createCleanupSchedule } from "./cleanup-schedule.js";
import { createLoop } from "./loop.js";
import { removePidFile, writePidFile } from "./pidfile.js";
import type { Runner } from "./runner.js";
import { createScheduler, runningCount, type Scheduler } from "./scheduler.js";
import type { DaemonState } from "./state.js";

export interface DaemonOptions {
  paths: CcmPaths;
  config: Config;
  version: string;
  /** Log destination override (tests); default: the configured log file. */
  logger?: Logger;
  /** Builds the task runner (agents in tmux). Without one, queued tasks stay queued. */
  createRunner?: (deps: RunnerWiring) => Runner;
  /** Builds the quota monitor; default: the real sources for this process's environment. */
  createQuotaMonitor?: (deps: { store: Store; log: Logger; config: Config }) => QuotaMonitor;
  /** The built web UI; default dist/web next to this file. Served when web_ui.enabled. */
  webRoot?: string;
}

/** What the daemon hands the runner's wiring: the store, and how agents reach the http hook route. */
export interface RunnerWiring {
  store: Store;
  log: Logger;
  config: Config;
  paths: CcmPaths;
  /** The daemon's hook route, e.g. http://127.0.0.1:8765/hooks (known once the port is bound). */
  hookUrl: () => string;
  /** Environment every agent gets: CCM_HOOK_TOKEN for the http hook transport. */
  agentEnv: Record<string, string>;
}

export interface RunningDaemon extends AsyncDisposable {
  readonly state: DaemonState;
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  /** Run a scheduling pass now (after a task was created through the API). */
  kick(): void;
  stop(reason?: string): Promise<void>;
}

const PINO_LEVEL = { debug: "debug", info: "info", warning: "warn", error: "error" } as const;

export function createLogger(config: Config): Logger {
  const file = config.daemon.log_file;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  return pino(
    { level: PINO_LEVEL[config.daemon.log_level], base: { pid: process.pid } },
    pino.destination({ dest: file, sync: true }),
  );
}

/**
 * The daemon: pidfile (one per CCM_HOME), the store, the HTTP API on the configured host and port, and the
 * scheduler loop. Everything it knows is in the database, so stopping it (or killing it) loses nothing.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { paths, config, version } = options;
  ensureHome(paths);
  writePidFile(paths.pidFile, process.pid);
  const log = options.logger ?? createLogger(config);
  let store: Store | undefined;
  try {
    store = openStore(config.database.sqlite_path);
    const openedStore = store;
    relinkAutomations(paths.automations, log);
    const startedAt = Date.now();
    const token = loadOrCreateToken(paths.tokenFile);
    const auth = createAuth({ token });
    const feed = createLiveFeed({ store: openedStore, config });
    let port = config.web_ui.port;
    const hookToken = hookTokenOf(token);
    const runner = options.createRunner?.({
      store: openedStore,
      log,
      config,
      paths,
      hookUrl: () => `http://${urlHost(config.web_ui.host)}:${port}/hooks`,
      agentEnv: { CCM_HOOK_TOKEN: hookToken },
    });
    // Worktree cleanup belongs with the agents: a daemon that runs none has none to clean.
    const cleanup = runner ? createCleanupSchedule({ store: openedStore, config, paths, log }) : undefined;
    const quota = (options.createQuotaMonitor ?? createQuotaMonitor)({ store: openedStore, log, config });
    const alerts = createAlertRouter({
      store: openedStore,
      log,
      channels: channelsFromConfig(config),
      minLevel: config.notifications.min_level,
    });
    let delivering: Promise<unknown> | undefined;
    const scheduler = createScheduler({
      held: () => quota.held(),
      store: openedStore,
      log,
      maxConcurrent: () =>
        Math.min(
          config.agents.max_concurrent,
          config.resources.max_agents,
          config.resources.max_tmux_windows,
        ),
      ...(runner ? { dispatch: (task) => runner.dispatch(task) } : {}),
    });
    const loop = createLoop({
      name: "tasks",
      store: openedStore,
      log,
      // Agents at work: follow their output closely. Idle: a pass a second (new work wakes it anyway).
      intervalMs: () => (runner?.busy() ? 200 : 1000),
      pass: async () => {
        await quota.tick();
        // Alerts go out in the background: a slow webhook never delays the task loop.
        delivering ??= alerts.deliver().finally(() => {
          delivering = undefined;
        });
        await scheduler.tick();
        await runner?.reconcile();
        cleanup?.tick();
      },
      // Hooks and the CLI write from other processes; the passes write here: the live feed reads both.
      onChange: () => feed.poll(),
    });
    const app = createApp({
      port: () => port,
      api: { store: openedStore, config, version, feed, auth, kick: () => loop.kick() },
      ...(config.web_ui.enabled ? { webRoot: options.webRoot ?? WEB_ROOT } : {}),
      hooks: {
        db: () => openedStore.db,
        ccmHome: paths.home,
        dbPath: config.database.sqlite_path,
        token: hookToken,
        onNote: (note, fields) => log.warn(fields, note),
      },
      health: () => ({
        status: "ok",
        pid: process.pid,
        version,
        profile: config.profile,
        startedAt,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        queueDepth: queueDepth(openedStore),
        running: runningCount(openedStore),
      }),
    });
    const server = await listen(app.fetch, config.web_ui.host, config.web_ui.port);
    port = (server.address() as AddressInfo).port;
    const state: DaemonState = {
      pid: process.pid,
      host: config.web_ui.host,
      port,
      startedAt,
      version,
      profile: config.profile,
    };
    writeFileAtomic(paths.stateFile, `${JSON.stringify(state)}\n`);
    loop.start();
    log.info({ host: state.host, port, profile: config.profile, version }, "daemon started");

    let stopping: Promise<void> | undefined;
    const stop = (reason = "stop requested") => {
      stopping ??= (async () => {
        log.info({ reason }, "daemon stopping");
        await loop.stop();
        await runner?.drain();
        await cleanup?.drain();
        await quota.settle();
        await delivering;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        openedStore.close();
        rmSync(paths.stateFile, { force: true });
        removePidFile(paths.pidFile, process.pid);
        log.info("daemon stopped");
        log.flush?.();
      })();
      return stopping;
    };
    return {
      state,
      store: openedStore,
      scheduler,
      log,
      stop,
      kick: loop.kick,
      [Symbol.asyncDispose]: () => stop(),
    };
  } catch (error) {
    store?.close();
    removePidFile(paths.pidFile, process.pid);
    log.error({ err: error }, "daemon failed to start");
    throw error;
  }
}

type Server = ReturnType<typeof serve>;

const WEB_ROOT = fileURLToPath(new URL("../web", import.meta.url));

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function listen(fetch: Parameters<typeof serve>[0]["fetch"], host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port });
    server.once("listening", () => resolve(server));
    server.once("error", (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "EADDRINUSE"
          ? `port ${port} on ${host} is already in use`
          : `cannot listen on ${host}:${port}: ${error.message}`;
      reject(
        new CcmError("DAEMON_RUNNING", message, {
          hint: "Another program (or another ccm daemon) uses it: stop it, or set web_ui.port in the config.",
          cause: error,
        }),
      );
    });
  });
}

/**
 * Points the shipped automations' links at this package, in case it moved since `daemon init` (another
 * Node version manager folder, a reinstall): otherwise the hook would skip them as broken links.
 */
function relinkAutomations(root: string, log: Logger): void {
  try {
    const { linked } = installShipped(automationDirs(root));
    if (linked.length > 0) log.info({ linked }, "shipped automations relinked to this package");
  } catch (error) {
    log.warn({ err: error }, "could not relink the shipped automations");
  }
}
