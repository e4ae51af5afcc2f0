/**
 * Path facts for the guard: resolution (cwd, `..`, symlinks through an injected realpath) and the
 * read/write rules over resolved absolute paths. Pure apart from the injected realpath.
 */

/** A part of a value nobody can know statically (a variable, a substitution): could be anything. */
export const UNKNOWN = "\u0000";
/** An unquoted glob character: matches names inside the directory it sits in. */
export const GLOB = "\u0001";

export interface GuardPolicy {
  /** Real path of the task's worktree. */
  worktree: string;
  home: string;
  /** Absolute, real paths where writes are allowed besides the worktree (caches, temp). */
  allowWrite: readonly string[];
  /** Not writable unless a longer allowWrite entry covers the path: home, CCM_HOME, the main checkout. */
  protectedWrite: readonly string[];
  /** Absolute paths whose content must not be read (secrets), and exemptions. */
  denyRead: readonly string[];
  allowRead: readonly string[];
  /** The task branch (`ccm/task-<id>`): the only branch git may be on. */
  branch: string | undefined;
}

export interface PathIO {
  /** Real path of an existing file or directory; undefined when it does not exist. */
  realpath(path: string): string | undefined;
}

export function isInside(path: string, dir: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Absolute, symlink-free form of `path` (relative to `cwd`): each existing prefix through realpath, so a
 * symlink anywhere on the way counts, then the non-existing rest lexically. undefined when it cannot be
 * known (relative to an unknown directory).
 */
export function resolvePath(path: string, cwd: string | undefined, io: PathIO): string | undefined {
  if (path === "") return cwd;
  let base: string;
  if (path.startsWith("/")) base = "/";
  else if (cwd === undefined) return undefined;
  else base = cwd;
  let resolved = base === "/" ? "/" : (io.realpath(base) ?? base);
  let existing = true;
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      resolved = dirname(resolved);
      continue;
    }
    const next = resolved === "/" ? `/${part}` : `${resolved}/${part}`;
    if (existing) {
      const real = io.realpath(next);
      if (real === undefined) existing = false;
      resolved = real ?? next;
    } else resolved = next;
  }
  return resolved;
}

export function dirname(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/** `~/x` → home/x; anything else unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return home + path.slice(1);
  return path;
}

/** Files and folders whose content is a credential, relative to the home directory. */
export const HOME_SECRETS = [
  ".ssh",
  ".aws",
  ".gnupg",
  ".config/gcloud",
  ".azure",
  ".kube",
  ".docker/config.json",
  ".netrc",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
  ".config/git/credentials",
  ".claude/.credentials.json",
  ".claude.json",
  ".config/gh/hosts.yml",
  ".vault-token",
  ".ccm",
] as const;

export const SYSTEM_SECRETS = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh"] as const;

/** Why reading `path` (resolved) is refused, or undefined when it may be read. */
export function readDenial(path: string, policy: GuardPolicy): string | undefined {
  if (isInside(path, policy.worktree)) return undefined;
  if (policy.allowRead.some((dir) => isInside(path, dir))) return undefined;
  const denied = policy.denyRead.find((dir) => isInside(path, dir));
  if (denied !== undefined) return `${path} is a secret (${denied})`;
  if (/^\/proc\/[^/]+\/(environ|mem)$/.test(path)) return `${path} holds another process's secrets`;
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (base === ".env" || base.startsWith(".env.")) return `${path} is a .env file outside the worktree`;
  return undefined;
}

/** For recursive readers (grep -r, cp -r, tar c): a folder that contains a secret folder. */
export function containsSecret(path: string, policy: GuardPolicy): string | undefined {
  if (isInside(path, policy.worktree)) return undefined;
  const secret = policy.denyRead.find((dir) => isInside(dir, path) && !policy.allowRead.includes(dir));
  return secret === undefined ? undefined : `${path} contains the secret ${secret}`;
}

const HARMLESS_DEVICES =
  /^\/dev\/(null|zero|stdout|stderr|stdin|tty|full|random|urandom|fd\/[0-9]+|pts\/[0-9]+)$/;

/** Why writing (creating, changing, deleting) `path` (resolved) is refused, or undefined. */
export function writeDenial(path: string, policy: GuardPolicy, kind: "write" | "delete"): string | undefined {
  const where = `the worktree ${policy.worktree}`;
  if (HARMLESS_DEVICES.test(path)) return undefined;
  if (path.startsWith("/dev/")) {
    return `writing to the device ${path} is blocked (disks and memory are off limits); write to a file in ${where} instead`;
  }
  if (isInside(path, policy.worktree)) {
    if (path === policy.worktree && kind === "delete") {
      return `deleting the worktree itself (${path}) is blocked; delete files inside it instead`;
    }
    if (path === `${policy.worktree}/.git` || path.startsWith(`${policy.worktree}/.git/`)) {
      return `${path} is the worktree's git link; change the repository through git commands instead`;
    }
    return undefined;
  }
  if (policy.worktree.startsWith(`${path}/`) || path === "/") {
    return `${path} contains ${where}: ${kind === "delete" ? "deleting" : "changing"} it is blocked; work on paths inside the worktree instead`;
  }
  // The most specific rule wins: ~/.npm (allowed) inside ~ (protected), ~ inside /tmp (allowed) in tests.
  const longest = (dirs: readonly string[]) =>
    dirs
      .filter((dir) => isInside(path, dir))
      .reduce((best, dir) => (dir.length > best.length ? dir : best), "");
  const guarded = longest(policy.protectedWrite);
  const allowed = longest(policy.allowWrite);
  if (allowed !== "" && allowed.length > guarded.length) return undefined;
  if (guarded !== "") {
    return `writes outside the worktree are blocked: ${path} is inside ${guarded} (the home folder, ccm's own files or the project's main checkout); write inside ${where} instead`;
  }
  return `writes outside the worktree are blocked: ${path} resolves outside ${policy.worktree}; write inside ${where} instead (or add the path to safety.guard.allow_write)`;
}
