import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunCommand, runCommand } from "./run-command.js";
import { SYSTEMD_UNIT_NAME } from "./service-units.js";

export interface Verification {
  /** Whether the checker gave a verdict on the unit. */
  ran: boolean;
  /** The verdict, when it ran. */
  ok?: boolean;
  output?: string;
  /** Why there is no verdict. */
  reason?: "tool-missing" | "environment" | "timed-out" | "not-applicable";
}

export interface VerifyUnitOptions {
  unitText: string;
  /** Where the unit will be installed; staged-copy paths in the output are reported as this path. */
  finalPath: string;
  /** The user's HOME: systemd-analyze resolves the user unit search path from it. */
  home: string;
  hostEnv?: Readonly<Record<string, string | undefined>>;
  exec?: RunCommand;
  timeoutMs?: number;
}

/*
 * What `systemd-analyze verify --user` does, as observed with systemd 252 (Debian 12) in a container where
 * PID 1 is not systemd and no user manager or session bus runs:
 * - It needs no running manager or bus: it builds a private manager in-process. But it needs
 *   $XDG_RUNTIME_DIR; without one it prints "Failed to lookup RuntimeDirectory path: No such device or
 *   address" / "Failed to initialize manager" and exits 1 whatever the unit says. So it runs with a
 *   private, temporary runtime directory (it only creates an empty `systemd/` folder there), which also
 *   keeps it away from the live one of a real session.
 * - Its exit status is not a verdict: unknown keys and unparsable values ("Unknown key 'Foo' in section
 *   [Service], ignoring.", "Failed to parse service type, ignoring: simpel") exit 0, while environment
 *   trouble exits 1. Problems with our unit are named by its path ("<path>:<line>: ...", "Failed to
 *   prepare filename <path>: ...") or its unit name ("ccm-orchestrator.service: Command /x is not
 *   executable: ..."; "Unit ccm-orchestrator.service has a bad unit file setting."). So lines naming our
 *   unit are failures even on exit 0; anything else on a non-zero exit is an environment problem and gives
 *   no verdict rather than blocking the install.
 * - It checks that the ExecStart executable exists and is executable, which catches a wrong nodePath.
 * The unit is verified as a staged copy with the same file name (its directory comes first on the search
 * path), so a rejected unit is never installed.
 */
export async function verifySystemdUnit(opts: VerifyUnitOptions): Promise<Verification> {
  const { exec = runCommand, hostEnv = process.env, timeoutMs = 15_000 } = opts;
  const scratch = await mkdtemp(join(tmpdir(), "ccm-verify-"));
  try {
    const stagedDir = join(scratch, "unit");
    const runtimeDir = join(scratch, "runtime");
    await mkdir(stagedDir, { mode: 0o700 });
    await mkdir(runtimeDir, { mode: 0o700 });
    const staged = join(stagedDir, SYSTEMD_UNIT_NAME);
    await writeFile(staged, opts.unitText, { mode: 0o644 });
    const result = await exec("systemd-analyze", ["verify", "--user", staged], {
      env: { ...hostEnv, HOME: opts.home, XDG_RUNTIME_DIR: runtimeDir, SYSTEMD_COLORS: "0" },
      timeoutMs,
    });
    if (result.notFound) return { ran: false, reason: "tool-missing" };
    const output = result.output.split(staged).join(opts.finalPath).trim();
    if (result.timedOut) return { ran: false, reason: "timed-out", output };
    const verdict = classifyVerifyOutput({ output, exitCode: result.exitCode, unitPath: opts.finalPath });
    if (verdict === "environment") return { ran: false, reason: "environment", output };
    return { ran: true, ok: verdict === "ok", output };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Sorts systemd-analyze output into a verdict; see the notes on verifySystemdUnit. */
export function classifyVerifyOutput(opts: {
  output: string;
  exitCode: number | undefined;
  unitPath: string;
}): "ok" | "unit-error" | "environment" {
  const aboutUnit = opts.output
    .split("\n")
    .some(
      (line) =>
        line.includes(opts.unitPath) ||
        line.startsWith(`${SYSTEMD_UNIT_NAME}:`) ||
        line.includes(`Unit ${SYSTEMD_UNIT_NAME} `),
    );
  if (aboutUnit) return "unit-error";
  return opts.exitCode === 0 ? "ok" : "environment";
}
