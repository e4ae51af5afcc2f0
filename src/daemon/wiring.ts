import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { HookCommand, StageRequest } from "../agents/adapter.js";
import { buildClaudeSettings, guardPermissions } from "../agents/claude-code/settings.js";
import { resolveAdapter } from "../agents/registry.js";
import type { Config } from "../config/load.js";
import type { CcmPaths } from "../config/paths.js";
import { chooseSandbox, type SandboxChoice, systemProbe } from "../runtime/sandbox.js";
import { Tmux } from "../runtime/tmux.js";
import {
  checkpointCommit,
  commitsSince,
  copyWorktreeIncludes,
  createTaskWorktree,
  runSetup,
} from "../runtime/worktree.js";
import { GUARD_FILE_ENV, parseGuardFile } from "../safety/guard-file.js";
import type { Store } from "../store/db.js";
import { createRunner, type Runner } from "./runner.js";
import { createSafety } from "./safety.js";

/** The hook entry agents call for every event: `<node> <pkg>/dist/hooks/entry.js <Event>`, no shell. */
export const HOOK_ENTRY = fileURLToPath(new URL("../hooks/entry.js", import.meta.url));
export const WRAPPER_ENTRY = fileURLToPath(new URL("../runtime/agent-wrapper.js", import.meta.url));
/** The status-line command (interactive sessions): records rate_limits as quota samples. */
export const STATUSLINE_ENTRY = fileURLToPath(new URL("../quota/statusline-entry.js", import.meta.url));

export function hookCommand(): HookCommand {
  return { command: process.execPath, args: [HOOK_ENTRY] };
}

export interface WiringOptions {
  store: Store;
  log: Logger;
  config: Config;
  paths: CcmPaths;
  /** The daemon's HTTP address, for the http hook transport. */
  hookUrl?: () => string;
  /** Extra environment for every agent (the http hook token). */
  agentEnv?: Record<string, string>;
}

/** Builds the task runner with the real parts: tmux, git worktrees, the agent adapters and our hooks. */
export function wireRunner({ store, log, config, paths, hookUrl, agentEnv }: WiringOptions): Runner {
  // Probed on the first custom agent, then kept: a daemon restart picks up a newly installed bwrap.
  let sandbox: SandboxChoice | undefined;
  const tmux = new Tmux(config.agents.tmux_socket ? { socket: config.agents.tmux_socket } : {});
  const writeClaudeSettings = async (runDir: string, req: StageRequest): Promise<string> => {
    const http = config.agents.hook_transport === "http" && hookUrl;
    const guardFile = req.env[GUARD_FILE_ENV];
    const guard = guardFile === undefined ? undefined : parseGuardFile(readFileSync(guardFile, "utf8"));
    const settings = buildClaudeSettings({
      hook: req.hook,
      statusLine: { command: process.execPath, args: [STATUSLINE_ENTRY] },
      transport: http ? "http" : "command",
      ...(http ? { httpUrl: hookUrl() } : {}),
      ...(guard?.enabled ? { permissions: guardPermissions(guard) } : {}),
    });
    const file = join(runDir, "claude-settings.json");
    writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    return file;
  };
  return createRunner({
    store,
    log,
    config,
    paths,
    tmux: {
      socket: config.agents.tmux_socket,
      ensureSession: (name, options) => tmux.ensureSession(name, options),
      newWindow: (options) => tmux.newWindow(options),
      hasWindow: (id) => tmux.hasWindow(id),
      killWindow: async (id) => {
        await tmux.killWindow(id);
      },
      sendText: (target, text) => tmux.sendText(target, text),
      listWindows: (session) => tmux.listWindows(session),
      findWindowByCommand: (session, needle) => tmux.findWindowByCommand(session, needle),
    },
    git: { createTaskWorktree, copyWorktreeIncludes, runSetup, checkpointCommit, commitsSince },
    adapter: (name) => resolveAdapter(name, config, { writeClaudeSettings }),
    hook: hookCommand(),
    wrapperEntry: WRAPPER_ENTRY,
    safety: createSafety({ store, config, log }),
    // Only the http transport needs the hook token in the agent's environment.
    ...(config.agents.hook_transport === "http" && agentEnv ? { agentEnv } : {}),
    sandbox: { choose: () => (sandbox ??= chooseSandbox(config.safety.sandbox, systemProbe())) },
  });
}
