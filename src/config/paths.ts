import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Every file the product keeps under CCM_HOME (default ~/.ccm). */
export interface CcmPaths {
  home: string;
  config: string;
  configSchema: string;
  db: string;
  logs: string;
  daemonLog: string;
  automations: string;
  automationsEnabled: string;
  worktrees: string;
  run: string;
  pidFile: string;
  stateFile: string;
  tokenFile: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function userHome(env: Env = process.env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
}

/** Expands a leading `~` and resolves relative paths against `base`. */
export function expandPath(path: string, env: Env = process.env, base = process.cwd()): string {
  if (path === "~") return userHome(env);
  if (path.startsWith("~/")) return join(userHome(env), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

export function ccmHome(env: Env = process.env): string {
  const fromEnv = env.CCM_HOME;
  if (fromEnv && fromEnv.length > 0) return expandPath(fromEnv, env);
  return join(userHome(env), ".ccm");
}

export function resolvePaths(env: Env = process.env): CcmPaths {
  const home = ccmHome(env);
  const logs = join(home, "logs");
  const run = join(home, "run");
  return {
    home,
    config: join(home, "config.yaml"),
    configSchema: join(home, "config.schema.json"),
    db: join(home, "ccm.db"),
    logs,
    daemonLog: join(logs, "daemon.log"),
    automations: join(home, "automations"),
    automationsEnabled: join(home, "automations", "enabled"),
    worktrees: join(home, "worktrees"),
    run,
    pidFile: join(run, "daemon.pid"),
    stateFile: join(run, "daemon.json"),
    tokenFile: join(home, "token"),
  };
}
