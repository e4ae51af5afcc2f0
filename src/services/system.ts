import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { automationDirs, installShipped } from "../automations/catalog.js";
import { configJsonSchema, renderConfigYaml, writeFileAtomic } from "../config/files.js";
import { ensureHome } from "../config/home.js";
import { loadConfig } from "../config/load.js";
import type { CcmPaths, Env } from "../config/paths.js";
import type { Profile } from "../config/schema.js";
import { openStore } from "../store/db.js";

export interface InitSystemOptions {
  paths: CcmPaths;
  env: Env;
  profile: Profile;
  hostname: string;
  /** Rewrite an existing config.yaml. */
  force?: boolean;
}

export interface InitSystemResult {
  configPath: string;
  configWritten: boolean;
  dbPath: string;
  systemId: string;
  profile: Profile;
  /** Shipped automations enabled by this init (first install only: a disabled one stays disabled). */
  automationsEnabled: string[];
}

/**
 * `ccm daemon init`: CCM_HOME with user-only folders, config.yaml (kept if present unless forced), its JSON
 * Schema, the database with this machine recorded, and the shipped automations (linked into
 * automations/available, the default ones enabled). Safe to run again.
 */
export function initSystem(opts: InitSystemOptions): InitSystemResult {
  const { paths, env } = opts;
  ensureHome(paths);
  const keep = existsSync(paths.config) && !opts.force;
  if (!keep) {
    const previousId = existsSync(paths.config) ? tryReadSystemId(paths, env) : undefined;
    writeFileAtomic(
      paths.config,
      renderConfigYaml({
        profile: opts.profile,
        hostname: opts.hostname,
        systemId: previousId ?? randomUUID(),
        supabase: false,
      }),
    );
  }
  writeFileAtomic(paths.configSchema, configJsonSchema(), 0o600);
  // Validates what is there now (an existing file may be invalid: that is reported, not overwritten).
  const { config } = loadConfig({ paths, env });
  const systemId = config.system.id ?? "unknown";
  using store = openStore(config.database.sqlite_path);
  store.db
    .prepare(
      `INSERT INTO systems (id, hostname, profile, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, profile = excluded.profile`,
    )
    .run(systemId, config.system.hostname, config.profile, store.clock());
  const automations = installShipped(automationDirs(paths.automations), { enableDefaults: true });
  return {
    automationsEnabled: automations.enabledByDefault,
    configPath: paths.config,
    configWritten: !keep,
    dbPath: config.database.sqlite_path,
    systemId,
    profile: config.profile,
  };
}

function tryReadSystemId(paths: CcmPaths, env: Env): string | undefined {
  try {
    return loadConfig({ paths, env }).config.system.id;
  } catch {
    const match = /^\s*id:\s*"?([^"\n]+)"?/m.exec(readFileSync(paths.config, "utf8"));
    return match?.[1];
  }
}
