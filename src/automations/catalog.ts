import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CcmError } from "../errors.js";
import { inspectScript, type ScriptInfo, suggest } from "./inspect.js";

/**
 * Where automation scripts live and how they are turned on and off.
 *
 * - Shipped examples are files in the package's `automations/` folder. `$CCM_HOME/automations/available/NAME`
 *   is a symlink to them, so upgrading the package upgrades the scripts; when the package moves (a new
 *   Node version manager folder), every install pass (daemon init, any `ccm automation` command) points
 *   the links at the package that is running.
 * - Enabled = an entry in `$CCM_HOME/automations/enabled/` (what the hook reads): a relative symlink
 *   `NAME -> ../available/NAME`, or a user's own file put there directly.
 * - Project automations are the executable files in `<project>/.ccm/automations/`: always on, versioned
 *   with the project; they are read from the main checkout, never from the agent's worktree.
 */

export type Where = "shipped" | "global" | "project";

export interface AutomationDirs {
  /** `$CCM_HOME/automations` */
  root: string;
  /** The package's `automations/` folder. */
  shipped: string;
  /** `<project>/.ccm/automations`, when a project is in scope. */
  project?: string;
}

export interface AutomationEntry {
  name: string;
  where: Where;
  enabled: boolean;
  /** The path the hook runs and records in automation_runs (for a disabled one: where it would be). */
  path: string;
  info: ScriptInfo;
}

/** Shipped scripts enabled on first install (and once more each time a new one ships). */
export const DEFAULT_ENABLED: readonly string[] = ["block-patterns", "git-checkpoint", "project-context"];
const DEFAULTS_FILE = ".defaults-applied";

export function shippedDir(): string {
  return fileURLToPath(new URL("../../automations/", import.meta.url));
}

export function automationDirs(root: string, project?: string): AutomationDirs {
  const dirs: AutomationDirs = { root, shipped: shippedDir() };
  if (project !== undefined) dirs.project = join(project, ".ccm", "automations");
  return dirs;
}

const available = (dirs: AutomationDirs) => join(dirs.root, "available");
const enabled = (dirs: AutomationDirs) => join(dirs.root, "enabled");

/** Executable regular files at the top of a folder (sub-folders such as `lib/`, READMEs and data skipped). */
function scriptNames(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => !name.startsWith(".") && !name.endsWith("~"))
    .filter((name) => {
      try {
        const stat = statSync(join(dir, name));
        return stat.isFile() && (stat.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    })
    .sort();
}

/** Every name in a folder, broken links included (they must show up to be fixed). */
function entryNames(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith(".") && !name.endsWith("~"))
      .sort();
  } catch {
    return [];
  }
}

export interface InstallResult {
  linked: string[];
  enabledByDefault: string[];
}

/**
 * Links every shipped script into `available/` (re-pointing links left by an older package location) and,
 * with `enableDefaults`, enables each DEFAULT_ENABLED script the first time it is seen: a script the user
 * disabled stays disabled on the next `daemon init`. A user's own file in `available/` is never replaced.
 */
export function installShipped(
  dirs: AutomationDirs,
  options: { enableDefaults?: boolean } = {},
): InstallResult {
  const result: InstallResult = { linked: [], enabledByDefault: [] };
  mkdirSync(available(dirs), { recursive: true, mode: 0o700 });
  mkdirSync(enabled(dirs), { recursive: true, mode: 0o700 });
  for (const name of scriptNames(dirs.shipped)) {
    const target = join(dirs.shipped, name);
    const link = join(available(dirs), name);
    const current = linkTarget(link);
    if (current === target) continue;
    if (current === undefined && existsOrDangling(link)) continue; // the user's own file: keep it
    if (current !== undefined) unlinkSync(link);
    symlinkSync(target, link);
    result.linked.push(name);
  }
  if (options.enableDefaults) {
    const file = join(dirs.root, DEFAULTS_FILE);
    const done = new Set(existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
    for (const name of DEFAULT_ENABLED) {
      if (done.has(name) || !existsSync(join(available(dirs), name))) continue;
      if (!existsOrDangling(join(enabled(dirs), name))) {
        symlinkSync(join("..", "available", name), join(enabled(dirs), name));
        result.enabledByDefault.push(name);
      }
      done.add(name);
    }
    writeFileSync(file, `${[...done].sort().join("\n")}\n`, { mode: 0o600 });
  }
  return result;
}

function linkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(join(path, ".."), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

function existsOrDangling(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every automation in scope: global (enabled/ and available/) and the project's, in name order. */
export function listAutomations(dirs: AutomationDirs): AutomationEntry[] {
  const shippedNames = new Set(scriptNames(dirs.shipped));
  const entries = new Map<string, AutomationEntry>();
  const whereOf = (name: string, path: string): Where => {
    const target = linkTarget(path);
    const viaAvailable = target === join(available(dirs), name) ? linkTarget(target) : target;
    return shippedNames.has(name) && viaAvailable === join(dirs.shipped, name) ? "shipped" : "global";
  };
  for (const name of entryNames(enabled(dirs))) {
    const path = join(enabled(dirs), name);
    entries.set(name, { name, where: whereOf(name, path), enabled: true, path, info: inspectScript(path) });
  }
  for (const name of entryNames(available(dirs))) {
    if (entries.has(name)) continue;
    const path = join(available(dirs), name);
    entries.set(name, {
      name,
      where: whereOf(name, path),
      enabled: false,
      path: join(enabled(dirs), name),
      info: inspectScript(path),
    });
  }
  const global = [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  const project =
    dirs.project === undefined
      ? []
      : entryNames(dirs.project).flatMap((name) => {
          const path = join(dirs.project!, name);
          const info = inspectScript(path);
          // A README or data file next to the scripts is not an automation.
          if (info.events.length === 0 && info.problems.some((p) => p.startsWith("not executable")))
            return [];
          // The hook skips what is not executable: that is how a project script is switched off.
          return [{ name, where: "project" as const, enabled: info.script !== undefined, path, info }];
        });
  return [...global, ...project];
}

/**
 * One automation by name (`project:NAME` picks the project's when a global one has the same name), or by
 * path (anything with a `/`), for `automation test` on a script not installed yet.
 */
export function findAutomation(dirs: AutomationDirs, name: string): AutomationEntry {
  if (name.includes("/")) {
    const path = resolve(name);
    const stat = existsOrDangling(path) ? lstatSync(path) : undefined;
    if (stat === undefined || stat.isDirectory()) {
      throw new CcmError("INVALID_ARGUMENT", `no automation script at ${path}`, {
        hint: "Give a script file, or a name from `ccm automation list`.",
      });
    }
    return { name: path, where: "global", enabled: false, path, info: inspectScript(path) };
  }
  const all = listAutomations(dirs);
  const wanted = name.startsWith("project:") ? name.slice("project:".length) : name;
  const pool = name.startsWith("project:") ? all.filter((e) => e.where === "project") : all;
  const found = pool.find((e) => e.name === wanted);
  if (found !== undefined) return found;
  const close = suggest(
    wanted,
    all.map((e) => e.name),
  );
  throw new CcmError("INVALID_ARGUMENT", `no automation named "${name}"`, {
    hint:
      close.length > 0
        ? `Did you mean ${close.map((c) => `"${c}"`).join(" or ")}? \`ccm automation list\` shows them all.`
        : all.length > 0
          ? `Known: ${all.map((e) => e.name).join(", ")}.`
          : "None installed: `ccm daemon init` installs the shipped examples.",
  });
}

export function enableAutomation(
  dirs: AutomationDirs,
  name: string,
): { changed: boolean; entry: AutomationEntry } {
  const entry = findAutomation(dirs, name);
  if (entry.where === "project") throw projectOnly(entry, "enable");
  if (entry.enabled) return { changed: false, entry };
  // Stricter than the hook, which runs a script for the events it can read: enabling is when to fix typos.
  if (entry.info.script === undefined || entry.info.problems.length > 0) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `${entry.name} cannot be enabled: ${entry.info.problems.join("; ")}`,
      {
        hint: `Fix the script (${join(available(dirs), entry.name)}) first; \`ccm automation list\` shows the problem.`,
      },
    );
  }
  symlinkSync(join("..", "available", entry.name), join(enabled(dirs), entry.name));
  return { changed: true, entry: { ...entry, enabled: true } };
}

/** Removes the enabled link; a user's own file in enabled/ is moved to available/ so enable brings it back. */
export function disableAutomation(
  dirs: AutomationDirs,
  name: string,
): { changed: boolean; entry: AutomationEntry } {
  const entry = findAutomation(dirs, name);
  if (entry.where === "project") throw projectOnly(entry, "disable");
  if (!entry.enabled) return { changed: false, entry };
  const path = join(enabled(dirs), entry.name);
  if (lstatSync(path).isSymbolicLink()) {
    unlinkSync(path);
  } else {
    const parked = join(available(dirs), entry.name);
    if (existsOrDangling(parked)) {
      throw new CcmError("INVALID_ARGUMENT", `${path} is a file and ${parked} exists too`, {
        hint: "Move one of them away by hand; ccm does not overwrite scripts.",
      });
    }
    mkdirSync(available(dirs), { recursive: true, mode: 0o700 });
    renameSync(path, parked);
  }
  return { changed: true, entry: { ...entry, enabled: false } };
}

function projectOnly(entry: AutomationEntry, verb: string): CcmError {
  return new CcmError("INVALID_ARGUMENT", `${entry.name} is a project automation (${entry.path})`, {
    hint:
      verb === "enable"
        ? `Project automations run when they are executable: chmod +x ${entry.path}`
        : `Project automations are files in the project's repository: chmod -x ${entry.path} (or delete it) to ${verb} it.`,
  });
}
