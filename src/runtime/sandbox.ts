import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdirSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, join, sep } from "node:path";
import { CcmError } from "../errors.js";
import { HOME_SECRETS, SYSTEM_SECRETS } from "../safety/paths.js";

/**
 * The OS sandbox for agents ccm cannot guard through hooks (custom agents): the agent's command is run
 * under bubblewrap (Linux) or sandbox-exec (macOS) so it can write only its worktree, its run folder, a
 * private /tmp and the configured extra paths, and cannot read the usual secret folders. The network is
 * left on: agents need their model's API.
 *
 * Claude Code and Gemini CLI do not need it: both call ccm's hook entry before every tool (Gemini's
 * BeforeTool is mapped onto PreToolUse), where the built-in guard runs.
 */

export type SandboxSetting = "auto" | "bwrap" | "sandbox-exec" | "off";

export type SandboxChoice =
  | { kind: "bwrap"; bin: string }
  | { kind: "sandbox-exec"; bin: string }
  | { kind: "none"; warning?: string };

export interface SandboxPolicy {
  /** Folders the agent may write (worktree first); all exist and are real paths. */
  writable: string[];
  /** Existing secret folders and files, hidden (empty) inside the sandbox. */
  masked: { path: string; dir: boolean }[];
  /** Where the agent starts. */
  cwd: string;
}

/** Secrets hidden from a sandboxed agent, besides CCM_HOME and safety.guard.deny_read. */
export const SECRET_PATHS: readonly string[] = [
  // One list with the guard's (src/safety/paths.ts), so the two layers cannot drift apart.
  ...HOME_SECRETS.map((path) => `~/${path}`),
  ...SYSTEM_SECRETS,
];

export const INSTALL_HINT =
  "Install bubblewrap (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap), " +
  "or set safety.sandbox: off to run custom agents unconfined.";

export interface SandboxProbe {
  platform: NodeJS.Platform;
  /** An executable by name on PATH, or undefined. */
  which(name: string): string | undefined;
  /** Whether the sandbox really starts here (bwrap needs user namespaces). */
  works(choice: { kind: "bwrap" | "sandbox-exec"; bin: string }): boolean;
}

/**
 * Picks the sandbox for `safety.sandbox`. auto: bwrap on Linux, sandbox-exec on macOS, else none with a
 * warning that says how to get one; an explicit choice that cannot work is an error (the task must not
 * run unconfined when the user asked for confinement).
 */
export function chooseSandbox(setting: SandboxSetting, probe: SandboxProbe): SandboxChoice {
  if (setting === "off") return { kind: "none" };
  const native =
    probe.platform === "darwin" ? "sandbox-exec" : probe.platform === "linux" ? "bwrap" : undefined;
  const wanted = setting === "auto" ? native : setting;
  if (wanted === undefined) {
    return { kind: "none", warning: `no OS sandbox on ${probe.platform}: custom agents run unconfined` };
  }
  const bin = probe.which(wanted);
  const problem =
    bin === undefined
      ? `${wanted} is not installed`
      : probe.works({ kind: wanted, bin })
        ? undefined
        : `${wanted} is installed (${bin}) but cannot start a sandbox here (user namespaces disabled?)`;
  if (problem === undefined && bin !== undefined) return { kind: wanted, bin };
  const hint =
    wanted === "bwrap"
      ? INSTALL_HINT
      : "sandbox-exec ships with macOS; set safety.sandbox: off to run custom agents unconfined.";
  if (setting !== "auto") {
    throw new CcmError("EXTERNAL_COMMAND", `safety.sandbox is ${setting}, but ${problem}`, { hint });
  }
  return { kind: "none", warning: `${problem}: custom agents run unconfined. ${hint}` };
}

/** The real probe: PATH lookup, and one throwaway sandbox run (a few ms, once per daemon). */
export function systemProbe(env: Readonly<Record<string, string | undefined>> = process.env): SandboxProbe {
  return {
    platform: process.platform,
    which(name) {
      for (const dir of (env.PATH ?? "").split(delimiter)) {
        if (dir === "") continue;
        const path = join(dir, name);
        try {
          accessSync(path, constants.X_OK);
          if (statSync(path).isFile()) return path;
        } catch {
          // not here
        }
      }
      return undefined;
    },
    works(choice) {
      const args =
        choice.kind === "bwrap"
          ? ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"]
          : ["-p", "(version 1)(allow default)", "/usr/bin/true"];
      try {
        execFileSync(choice.bin, args, { stdio: "ignore", timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    },
  };
}

export interface PolicyInput {
  worktree: string;
  runDir: string;
  /** The user's home, for `~/` paths. */
  home: string;
  /** CCM_HOME: hidden (the database and other tasks' runs), except this run's folder. */
  ccmHome: string;
  /** safety.guard.allow_write / deny_read / allow_read. */
  allowWrite: readonly string[];
  denyRead: readonly string[];
  allowRead: readonly string[];
}

/**
 * What the agent may write and may not read. The worktree's git metadata is writable where committing on
 * the task's branch needs it (its own admin folder, the object store, the folder of its branch ref and
 * reflog), so an agent that commits (aider does by default) still can; the repository's config, hooks
 * and other branch folders stay read-only.
 */
export function sandboxPolicy(input: PolicyInput): SandboxPolicy {
  const expand = (path: string) =>
    path === "~" ? input.home : path.startsWith("~/") ? join(input.home, path.slice(2)) : path;
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  };
  const writable: string[] = [];
  const add = (path: string | undefined) => {
    const resolved = path === undefined ? undefined : real(path);
    if (resolved !== undefined && !writable.includes(resolved)) writable.push(resolved);
  };
  add(input.worktree);
  add(input.runDir);
  for (const path of gitWritable(input.worktree)) add(path);
  for (const path of input.allowWrite) add(expand(path));

  const allowRead = new Set(input.allowRead.map((p) => real(expand(p)) ?? expand(p)));
  const masked: SandboxPolicy["masked"] = [];
  for (const path of [...SECRET_PATHS, input.ccmHome, ...input.denyRead]) {
    const resolved = real(expand(path));
    if (resolved === undefined || allowRead.has(resolved) || masked.some((m) => m.path === resolved))
      continue;
    // A path the user allowed writing stays writable; one nested inside a mask (the run folder inside
    // CCM_HOME) is mounted after it and so stays reachable.
    if (writable.includes(resolved)) continue;
    masked.push({ path: resolved, dir: statSync(resolved).isDirectory() });
  }
  return { writable, masked, cwd: real(input.worktree) ?? input.worktree };
}

/** git's folders a commit on the worktree's branch writes to; empty when it is not a git worktree. */
function gitWritable(worktree: string): string[] {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: worktree,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim();
  try {
    const [gitDir, common] = git(
      "rev-parse",
      "--path-format=absolute",
      "--git-dir",
      "--git-common-dir",
    ).split("\n");
    if (gitDir === undefined || common === undefined) return [];
    const paths = [gitDir, join(common, "objects")];
    let branch = "";
    try {
      branch = git("symbolic-ref", "--quiet", "HEAD");
    } catch {
      // detached: commits stay in the worktree's own HEAD
    }
    if (branch.startsWith("refs/heads/")) {
      for (const base of [common, join(common, "logs")]) {
        const folder = join(base, dirname(branch));
        mkdirSync(folder, { recursive: true });
        paths.push(folder);
      }
    }
    return paths;
  } catch {
    return [];
  }
}

/**
 * bubblewrap arguments up to and including `--`: everything read-only, /dev and /proc fresh, a private
 * /tmp, then the masks and writable binds, shallowest first so a deeper rule wins over the folder around
 * it (the run folder inside the hidden CCM_HOME, a secret inside an allowed cache).
 */
export function bwrapArgs(policy: SandboxPolicy): string[] {
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"];
  const mounts = [
    ...policy.writable.map((path) => ({ path, args: ["--bind", path, path], order: 0 })),
    ...policy.masked.map((m) => ({
      path: m.path,
      // A file is covered by /dev/null: reads are empty, writes vanish. --dev-bind, because a plain bind
      // mounts nodev and /dev/null could then not be opened at all.
      args: m.dir ? ["--tmpfs", m.path] : ["--dev-bind", "/dev/null", m.path],
      order: 1,
    })),
  ].sort((a, b) => depth(a.path) - depth(b.path) || a.order - b.order);
  for (const mount of mounts) args.push(...mount.args);
  args.push(
    "--unshare-pid",
    // The wrapper stops an agent by signalling it; bwrap does not forward signals, so its death must
    // take the agent along.
    "--die-with-parent",
    "--setenv",
    "CCM_SANDBOX",
    "bwrap",
    "--chdir",
    policy.cwd,
    "--",
  );
  return args;
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}

/**
 * The sandbox-exec (macOS Seatbelt) profile: writes only under the writable folders, the temp folders and
 * the terminal devices; secrets unreadable. UNTESTED on a Mac (none here): only its text is unit-tested.
 */
export function sandboxExecProfile(policy: SandboxPolicy): string {
  const quote = (path: string) => `"${path.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const writable = [
    ...policy.writable.map((p) => `(subpath ${quote(p)})`),
    '(subpath "/private/tmp")',
    '(subpath "/private/var/folders")',
    '(literal "/dev/null")',
    '(literal "/dev/zero")',
    '(literal "/dev/dtracehelper")',
    '(regex #"^/dev/tty")',
    '(regex #"^/dev/fd/")',
  ];
  const lines = [
    "(version 1)",
    "(allow default)",
    "(deny file-write*)",
    `(allow file-write*\n  ${writable.join("\n  ")})`,
  ];
  if (policy.masked.length > 0) {
    const hidden = policy.masked.map((m) => `(${m.dir ? "subpath" : "literal"} ${quote(m.path)})`);
    lines.push(`(deny file-read* file-write*\n  ${hidden.join("\n  ")})`);
  }
  return `${lines.join("\n")}\n`;
}

/** The agent's argv run inside the chosen sandbox (unchanged for none). */
export function sandboxCommand(
  choice: SandboxChoice,
  policy: SandboxPolicy,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  switch (choice.kind) {
    case "none":
      return { command, args: [...args] };
    case "bwrap":
      return { command: choice.bin, args: [...bwrapArgs(policy), command, ...args] };
    case "sandbox-exec":
      return { command: choice.bin, args: ["-p", sandboxExecProfile(policy), command, ...args] };
    default:
      return choice satisfies never;
  }
}
