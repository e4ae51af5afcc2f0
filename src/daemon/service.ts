import { chmod, mkdir, open, readFile, readlink, rename, rm, unlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { CcmError } from "../errors.js";
import type { RunCommand } from "./run-command.js";
import {
  LAUNCHD_LABEL,
  renderLaunchdPlist,
  renderSystemdUnit,
  type ServiceRenderOptions,
  SYSTEMD_UNIT_NAME,
} from "./service-units.js";
import { type Verification, verifySystemdUnit } from "./service-verify.js";

export type ServiceKind = "systemd" | "launchd";

export interface ServiceTarget {
  platform: NodeJS.Platform;
  /** The user's HOME (absolute). */
  home: string;
  /** launchd domain owner; defaults to the current user. */
  uid?: number;
}

export interface ServiceDescription {
  kind: ServiceKind;
  path: string;
  /** Argument arrays to run, in order, after installing. */
  enableCommands: string[][];
  /** Argument arrays to run, in order, to stop and disable; run them before removing the file. */
  disableCommands: string[][];
}

/** Where the service file lives and how to switch it on and off. Pure; throws on unsupported platforms. */
export function describeService({ platform, home, uid }: ServiceTarget): ServiceDescription {
  if (!isAbsolute(home)) {
    throw new CcmError("INVALID_ARGUMENT", `home must be an absolute path (got ${JSON.stringify(home)})`);
  }
  switch (platform) {
    case "linux": {
      const systemctl = (...args: string[]) => ["systemctl", "--user", ...args];
      return {
        kind: "systemd",
        path: join(home, ".config", "systemd", "user", SYSTEMD_UNIT_NAME),
        enableCommands: [systemctl("daemon-reload"), systemctl("enable", "--now", SYSTEMD_UNIT_NAME)],
        disableCommands: [systemctl("disable", "--now", SYSTEMD_UNIT_NAME), systemctl("daemon-reload")],
      };
    }
    case "darwin": {
      const path = join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
      const domain = `gui/${uid ?? currentUid()}`;
      return {
        kind: "launchd",
        path,
        enableCommands: [["launchctl", "bootstrap", domain, path]],
        disableCommands: [["launchctl", "bootout", `${domain}/${LAUNCHD_LABEL}`]],
      };
    }
    default:
      throw new CcmError("INVALID_ARGUMENT", `no service manager support for platform '${platform}'`, {
        hint: "Services can be installed on Linux (systemd) and macOS (launchd). Elsewhere run `ccm daemon start --foreground` under your own supervisor.",
        details: { platform },
      });
  }
}

export interface InstallServiceOptions extends ServiceTarget, ServiceRenderOptions {
  /** Replace an existing service file that differs from the one we would write. */
  force?: boolean;
  exec?: RunCommand;
  /** Environment of the installing process (PATH to find systemd-analyze). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
}

export interface InstallServiceResult extends ServiceDescription {
  /** created: no file before; unchanged: identical file already there; replaced: overwritten (force). */
  status: "created" | "unchanged" | "replaced";
  verification: Verification;
  /** Things the user should know, for the CLI to print. */
  notes: string[];
}

/**
 * Writes the systemd user unit or launchd agent. Verifies a systemd unit with systemd-analyze first when
 * the tool exists; a unit it rejects is not installed (EXTERNAL_COMMAND). Runs no service manager command.
 */
export async function installService(opts: InstallServiceOptions): Promise<InstallServiceResult> {
  const description = describeService(opts);
  const text = description.kind === "systemd" ? renderSystemdUnit(opts) : renderLaunchdPlist(opts);
  const existing = await readIfExists(description.path);
  if (existing !== undefined && existing !== text && !opts.force) {
    throw new CcmError("INVALID_ARGUMENT", `${description.path} already exists with different content`, {
      hint: "Pass --force to replace it (the previous file is overwritten).",
      details: { path: description.path },
    });
  }

  const verification: Verification =
    description.kind === "systemd"
      ? await verifySystemdUnit({
          unitText: text,
          finalPath: description.path,
          home: opts.home,
          ...(opts.hostEnv === undefined ? {} : { hostEnv: opts.hostEnv }),
          ...(opts.exec === undefined ? {} : { exec: opts.exec }),
        })
      : { ran: false, reason: "not-applicable" };
  if (verification.ran && verification.ok === false) {
    throw new CcmError(
      "EXTERNAL_COMMAND",
      `systemd-analyze rejected the generated unit: ${firstLine(verification)}`,
      {
        hint: "Check the Node path and arguments; nothing was installed. The full output is in details.output.",
        details: { path: description.path, output: verification.output },
      },
    );
  }

  if (existing !== text) await writeAtomically(description.path, text);
  // systemd opens append: files with O_CREAT but makes no directories, so a missing log directory fails
  // every start (launchd is reported to behave the same). Creating the files here also makes them
  // user-only (0600) rather than whatever the manager's umask gives; existing files keep their mode.
  for (const file of [opts.logFile, opts.errorLogFile]) await ensurePrivateFile(file);

  return {
    ...description,
    status: existing === undefined ? "created" : existing === text ? "unchanged" : "replaced",
    verification,
    notes: installNotes(description.kind, existing !== undefined && existing !== text),
  };
}

export interface UninstallServiceResult extends ServiceDescription {
  removed: boolean;
}

/**
 * Removes the service file, and systemd's enablement link when it points at it, so nothing dangles even if
 * the disable commands are never run. Run `describeService(...).disableCommands` before this when you can:
 * `systemctl --user disable` looks for the unit file; with it gone, systemctl 252 (tried offline here)
 * still removed the link and exited 0 but printed "Failed to disable unit, unit ... does not exist."
 */
export async function uninstallService(opts: ServiceTarget): Promise<UninstallServiceResult> {
  const description = describeService(opts);
  let removed = true;
  try {
    await unlink(description.path);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw storageError(`cannot remove ${description.path}`, error);
    removed = false;
  }
  if (description.kind === "systemd") await removeWantsLink(description.path);
  return { ...description, removed };
}

function installNotes(kind: ServiceKind, replaced: boolean): string[] {
  const notes: string[] = [];
  if (kind === "systemd") {
    notes.push(
      "A systemd user service stops when you log out unless lingering is on: `loginctl enable-linger`.",
    );
    if (replaced)
      notes.push(
        `A running daemon keeps the old unit until \`systemctl --user restart ${SYSTEMD_UNIT_NAME}\`.`,
      );
  } else if (replaced) {
    notes.push(
      `If the agent is already loaded, run \`launchctl bootout\` for ${LAUNCHD_LABEL} before bootstrap.`,
    );
  }
  return notes;
}

async function removeWantsLink(unitPath: string): Promise<void> {
  const link = join(dirname(unitPath), "default.target.wants", SYSTEMD_UNIT_NAME);
  try {
    if ((await readlink(link)) === unitPath) await unlink(link);
  } catch (error) {
    if (!isErrno(error, "ENOENT") && !isErrno(error, "EINVAL"))
      throw storageError(`cannot remove ${link}`, error);
  }
}

/** Write to a temp file beside the target, then rename: a crash never leaves a half-written unit. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(temp, text, { mode: 0o644 });
    await chmod(temp, 0o644); // the umask may have narrowed it; the manager only needs to read it
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw storageError(`cannot write ${path}`, error);
  }
}

async function ensurePrivateFile(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, "a", 0o600);
    await handle.close();
  } catch (error) {
    throw storageError(`cannot create log file ${path}`, error);
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw storageError(`cannot read ${path}`, error);
  }
}

function firstLine(verification: Verification): string {
  const lines = (verification.output ?? "").split("\n").filter((line) => line.trim() !== "");
  return lines.find((line) => line.includes(SYSTEMD_UNIT_NAME)) ?? lines[0] ?? "(no output)";
}

function currentUid(): number {
  const uid = process.getuid?.();
  if (uid === undefined)
    throw new CcmError("INTERNAL", "cannot determine the user id for the launchd domain");
  return uid;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function storageError(message: string, cause: unknown): CcmError {
  return new CcmError("STORAGE", `${message}: ${(cause as Error).message}`, { cause });
}
