import { ensureHome } from "../config/home.js";
import { type Config, type LoadedConfig, loadConfig } from "../config/load.js";
import { type CcmPaths, type Env, resolvePaths } from "../config/paths.js";
import { openStore, type Store } from "../store/db.js";
import { createOutput, type Output } from "./output.js";

/** What every command gets: where things live, how to print, the config and the store on demand. */
export interface CliContext {
  env: Env;
  cwd: string;
  paths: CcmPaths;
  output: Output;
  stdin: NodeJS.ReadStream;
  config(): Config;
  loadedConfig(): LoadedConfig;
  store(): Store;
  close(): void;
}

export function createContext(env: Env = process.env, cwd = process.cwd()): CliContext {
  const paths = resolvePaths(env);
  const output = createOutput(process.stdout, process.stderr, env);
  let loaded: LoadedConfig | undefined;
  let store: Store | undefined;
  const ctx: CliContext = {
    env,
    cwd,
    paths,
    output,
    stdin: process.stdin,
    loadedConfig() {
      if (!loaded) {
        loaded = loadConfig({ paths, env });
        for (const warning of loaded.warnings) output.err(`warning: ${warning}`);
      }
      return loaded;
    },
    config: () => ctx.loadedConfig().config,
    store() {
      if (!store) {
        ensureHome(paths);
        store = openStore(ctx.config().database.sqlite_path);
      }
      return store;
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
  return ctx;
}
