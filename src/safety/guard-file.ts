import { expandHome, type GuardPolicy, HOME_SECRETS, SYSTEM_SECRETS } from "./paths.js";

/**
 * The small JSON file the daemon writes next to a run's settings (`guard.json`, named by CCM_GUARD_FILE)
 * and the hook reads on every PreToolUse: the worktree and the allow/deny lists, already resolved, so the
 * hook needs no config loading. Checked by hand (no schema library on the hook path).
 */

export const GUARD_FILE_ENV = "CCM_GUARD_FILE";
export const GUARD_FILE_VERSION = 1;

export interface GuardFile {
  version: 1;
  enabled: boolean;
  worktree: string;
  home: string;
  branch?: string;
  allow_write: string[];
  allow_read: string[];
  deny_read: string[];
  /** Not writable unless allow_write names a path inside: CCM_HOME, the main checkout, the home folder. */
  protected: string[];
}

/**
 * Paths every agent may write besides its worktree: temp folders and package-manager caches (npm, pnpm,
 * yarn, pip, cargo, go, maven, gradle, bun). `~` is the agent's home.
 */
export const DEFAULT_ALLOW_WRITE = [
  "/tmp",
  "/var/tmp",
  "~/.npm",
  "~/.cache",
  "~/.yarn",
  "~/.pnpm-store",
  "~/.local/share/pnpm",
  "~/.cargo/registry",
  "~/.cargo/git",
  "~/go/pkg",
  "~/.m2/repository",
  "~/.gradle/caches",
  "~/.bun/install/cache",
  "~/.claude/plans",
] as const;

export interface GuardFileInput {
  worktree: string;
  home: string;
  branch?: string;
  ccmHome: string;
  projectDir: string;
  enabled: boolean;
  allowWrite: readonly string[];
  allowRead: readonly string[];
  denyRead: readonly string[];
  tmpdir?: string;
}

/** The file's content for one run; paths are made absolute (`~` → home). */
export function buildGuardFile(input: GuardFileInput): GuardFile {
  const abs = (paths: readonly string[]) => [...new Set(paths.map((p) => expandHome(p, input.home)))];
  const temp = input.tmpdir?.startsWith("/") ? [input.tmpdir] : [];
  return {
    version: GUARD_FILE_VERSION,
    enabled: input.enabled,
    worktree: input.worktree,
    home: input.home,
    ...(input.branch === undefined ? {} : { branch: input.branch }),
    allow_write: abs([...DEFAULT_ALLOW_WRITE, ...temp, ...input.allowWrite]),
    allow_read: abs(input.allowRead),
    deny_read: abs([
      ...HOME_SECRETS.map((s) => `~/${s}`),
      ...SYSTEM_SECRETS,
      input.ccmHome,
      ...input.denyRead,
    ]),
    protected: abs([input.ccmHome, input.projectDir, input.home]),
  };
}

/** Parses the file; throws an Error saying what is wrong (the hook fails closed on it). */
export function parseGuardFile(text: string): GuardFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`guard file is not JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new Error("guard file is not an object");
  const o = data as Record<string, unknown>;
  if (o.version !== GUARD_FILE_VERSION)
    throw new Error(`guard file version ${String(o.version)} is not ${GUARD_FILE_VERSION}`);
  if (typeof o.enabled !== "boolean") throw new Error("guard file: enabled is not a boolean");
  const absolute = (key: string): string => {
    const v = o[key];
    if (typeof v !== "string" || !v.startsWith("/"))
      throw new Error(`guard file: ${key} is not an absolute path`);
    return v.length > 1 ? v.replace(/\/+$/, "") : v;
  };
  const list = (key: string): string[] => {
    const v = o[key];
    if (!Array.isArray(v) || !v.every((p) => typeof p === "string" && p.startsWith("/"))) {
      throw new Error(`guard file: ${key} is not a list of absolute paths`);
    }
    return v.map((p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p));
  };
  if (o.branch !== undefined && typeof o.branch !== "string")
    throw new Error("guard file: branch is not a string");
  const file: GuardFile = {
    version: GUARD_FILE_VERSION,
    enabled: o.enabled,
    worktree: absolute("worktree"),
    home: absolute("home"),
    allow_write: list("allow_write"),
    allow_read: list("allow_read"),
    deny_read: list("deny_read"),
    protected: list("protected"),
  };
  if (typeof o.branch === "string") file.branch = o.branch;
  if (file.worktree === "/") throw new Error("guard file: the worktree cannot be /");
  return file;
}

/** The policy the checks use, with every path through realpath (a symlinked /tmp or home still matches). */
export function policyOf(file: GuardFile, realpath: (path: string) => string | undefined): GuardPolicy {
  const real = (paths: readonly string[]) => [...new Set(paths.flatMap((p) => [p, realpath(p) ?? p]))];
  return {
    worktree: realpath(file.worktree) ?? file.worktree,
    home: file.home,
    allowWrite: real(file.allow_write),
    protectedWrite: real(file.protected),
    denyRead: real(file.deny_read),
    allowRead: real(file.allow_read),
    branch: file.branch,
  };
}
