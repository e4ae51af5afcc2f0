import { existsSync, readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { CcmError } from "../errors.js";
import { type CcmPaths, type Env, expandPath } from "./paths.js";
import { configSchema, type RawConfig, strictConfigSchema } from "./schema.js";

/** The configuration the program uses: defaults filled in, paths absolute, profile-dependent keys resolved. */
export type Config = Omit<RawConfig, "web_ui" | "database" | "daemon" | "system"> & {
  web_ui: RawConfig["web_ui"] & { enabled: boolean };
  database: { sqlite_path: string };
  daemon: RawConfig["daemon"] & { log_file: string };
  system: RawConfig["system"] & { hostname: string };
};

export interface LoadedConfig {
  config: Config;
  warnings: string[];
  /** The file it came from, or null when no config file exists and defaults are in force. */
  source: string | null;
}

export interface LoadOptions {
  paths: CcmPaths;
  env?: Env;
}

/** The config file in force: `CCM_CONFIG` when set (as the service units do), else `$CCM_HOME/config.yaml`. */
export function configFile(paths: CcmPaths, env: Env = process.env): string {
  const override = env.CCM_CONFIG;
  return override && override.length > 0 ? expandPath(override, env) : paths.config;
}

export function loadConfig({ paths, env = process.env }: LoadOptions): LoadedConfig {
  const file = configFile(paths, env);
  if (!existsSync(file)) {
    return { config: resolveConfig(configSchema.parse({}), paths, env), warnings: [], source: null };
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new CcmError("CONFIG_INVALID", `cannot read ${file}: ${(cause as Error).message}`, {
      hint: "Check the file's permissions (it should be readable by you only: chmod 600).",
      cause,
    });
  }
  return parseConfigText(text, { file, paths, env });
}

/** Parses and validates config text. Unknown keys become warnings; invalid values throw CONFIG_INVALID. */
export function parseConfigText(
  text: string,
  { file, paths, env = process.env }: { file: string; paths: CcmPaths; env?: Env },
): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0]
      ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})`
      : "";
    throw new CcmError("CONFIG_INVALID", `${file} is not valid YAML${where}: ${firstLine(first.message)}`, {
      hint: `Fix the YAML syntax, then run \`ccm config validate\`.`,
      details: { file },
    });
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // The yaml library refuses alias bombs (and unresolvable aliases) when it builds the value.
    throw new CcmError(
      "CONFIG_INVALID",
      `${file} cannot be read as configuration: ${firstLine((cause as Error).message)}`,
      {
        hint: "Write the values out instead of using YAML anchors and aliases (&name / *name).",
        details: { file },
        cause,
      },
    );
  }
  const raw: unknown = dropNulls(js ?? {});
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new CcmError("CONFIG_INVALID", `${file} must be a mapping of keys (profile:, agents:, ...)`, {
      hint: "See `ccm config show` for the expected layout.",
      details: { file },
    });
  }

  const warnings: string[] = [];
  const strict = strictConfigSchema.safeParse(raw);
  if (!strict.success) {
    const problems: string[] = [];
    for (const issue of strict.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          warnings.push(`unknown key '${[...issue.path, key].join(".")}' in ${file} is ignored`);
        }
      } else {
        problems.push(describeIssue(issue, raw));
      }
    }
    if (problems.length > 0) {
      throw new CcmError("CONFIG_INVALID", `${file} is invalid:\n  ${problems.join("\n  ")}`, {
        hint: "Correct the value(s) above (`ccm config edit`), then run `ccm config validate`.",
        details: { file, problems },
      });
    }
  }
  const config = resolveConfig(configSchema.parse(raw), paths, env);
  if (config.supabase.enabled) {
    warnings.push("supabase.enabled is true, but the hub is not built yet: running local-only");
  }
  return { config, warnings, source: file };
}

function resolveConfig(raw: RawConfig, paths: CcmPaths, env: Env): Config {
  return {
    ...raw,
    system: { ...raw.system, hostname: raw.system.hostname ?? osHostname() },
    database: {
      sqlite_path: raw.database.sqlite_path ? expandPath(raw.database.sqlite_path, env) : paths.db,
    },
    web_ui: { ...raw.web_ui, enabled: raw.web_ui.enabled ?? raw.profile === "full" },
    daemon: {
      ...raw.daemon,
      log_file: raw.daemon.log_file ? expandPath(raw.daemon.log_file, env) : paths.daemonLog,
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = issue.path.join(".") || "(top level)";
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
  return `${key}: ${issue.message}${got}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? text).replace(/:$/, "");
}

/** A key written with no value (`database:` followed only by comments) means "use the default". */
function dropNulls(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}
