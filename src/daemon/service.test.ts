import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import { describeService, type InstallServiceOptions, installService, uninstallService } from "./service.js";
import { renderLaunchdPlist, renderSystemdUnit } from "./service-units.js";

let home: string;
let bin: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ccm-service-home-"));
  bin = join(home, "fake-bin");
  mkdirSync(bin);
  // A systemd-analyze that accepts everything, so these tests do not depend on the machine's systemd.
  writeFileSync(join(bin, "systemd-analyze"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function options(overrides: Partial<InstallServiceOptions> = {}): InstallServiceOptions {
  const ccmHome = join(home, ".ccm");
  return {
    platform: "linux",
    home,
    uid: 501,
    nodePath: process.execPath,
    args: [join(home, "pkg", "bin", "ccm.js"), "daemon", "start", "--foreground"],
    ccmHome,
    env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
    logFile: join(ccmHome, "logs", "daemon.log"),
    errorLogFile: join(ccmHome, "logs", "daemon-error.log"),
    hostEnv: { PATH: bin },
    ...overrides,
  };
}

async function expectCcmError(promise: Promise<unknown>, code: string): Promise<CcmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CcmError);
  expect((error as CcmError).code).toBe(code);
  return error as CcmError;
}

const unitPath = () => join(home, ".config", "systemd", "user", "ccm-orchestrator.service");

describe("installService on Linux", () => {
  it("writes the user unit 0644 and returns the systemctl commands", async () => {
    const result = await installService(options());
    expect(result).toMatchObject({
      kind: "systemd",
      path: unitPath(),
      status: "created",
      verification: { ran: true, ok: true },
      enableCommands: [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "ccm-orchestrator.service"],
      ],
    });
    expect(readFileSync(unitPath(), "utf8")).toBe(renderSystemdUnit(options()));
    expect(statSync(unitPath()).mode & 0o777).toBe(0o644);
    expect(result.notes.join("\n")).toContain("loginctl enable-linger");
  });

  it("creates the log directory and user-only log files, which the service manager would not", async () => {
    await installService(options());
    expect(statSync(join(home, ".ccm", "logs")).mode & 0o777).toBe(0o700);
    for (const file of ["daemon.log", "daemon-error.log"]) {
      expect(statSync(join(home, ".ccm", "logs", file)).mode & 0o777).toBe(0o600);
    }
  });

  it("is idempotent: the same unit again is 'unchanged'", async () => {
    await installService(options());
    expect((await installService(options())).status).toBe("unchanged");
  });

  it("refuses to overwrite a different unit without force, and replaces it with force", async () => {
    mkdirSync(join(home, ".config", "systemd", "user"), { recursive: true });
    writeFileSync(unitPath(), "[Service]\nExecStart=/usr/bin/true\n");
    const error = await expectCcmError(installService(options()), "INVALID_ARGUMENT");
    expect(error.hint).toContain("--force");
    expect(readFileSync(unitPath(), "utf8")).toBe("[Service]\nExecStart=/usr/bin/true\n");

    const result = await installService(options({ force: true }));
    expect(result.status).toBe("replaced");
    expect(result.notes.join("\n")).toContain("systemctl --user restart");
    expect(readFileSync(unitPath(), "utf8")).toBe(renderSystemdUnit(options()));
  });

  it("installs nothing when systemd-analyze rejects the unit", async () => {
    writeFileSync(
      join(bin, "systemd-analyze"),
      `#!/bin/sh\necho "ccm-orchestrator.service: Command /x/node is not executable: No such file or directory" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const error = await expectCcmError(installService(options()), "EXTERNAL_COMMAND");
    expect(error.message).toContain("is not executable");
    expect(error.details?.output).toContain("is not executable");
    expect(existsSync(unitPath())).toBe(false);
  });

  it("still installs when systemd-analyze is missing or cannot run here", async () => {
    expect((await installService(options({ hostEnv: { PATH: join(home, "empty") } }))).verification).toEqual({
      ran: false,
      reason: "tool-missing",
    });
    writeFileSync(join(bin, "systemd-analyze"), "#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const result = await installService(options());
    expect(result.verification).toMatchObject({ ran: false, reason: "environment" });
    expect(existsSync(unitPath())).toBe(true);
  });

  it("refuses bad render options before touching the disk", async () => {
    await expectCcmError(installService(options({ env: {} })), "INVALID_ARGUMENT");
    expect(existsSync(join(home, ".config"))).toBe(false);
  });
});

const realAnalyze = (process.env.PATH ?? "")
  .split(delimiter)
  .some((dir) => dir !== "" && existsSync(join(dir, "systemd-analyze")));

describe.skipIf(!realAnalyze)(
  `installService with the real systemd-analyze${realAnalyze ? "" : " (skipped: systemd-analyze is not on PATH)"}`,
  () => {
    it("verifies the new unit, not the broken one it replaces (the staged copy comes first)", async () => {
      mkdirSync(join(home, ".config", "systemd", "user"), { recursive: true });
      writeFileSync(unitPath(), "[Service]\nType=simpel\nExecStart=/nonexistent/node\n");
      const { hostEnv: _fake, ...realOptions } = options({ force: true });
      const result = await installService(realOptions);
      expect(result.verification).toMatchObject({ ran: true, ok: true });
      expect(result.status).toBe("replaced");
    });
  },
);

describe("installService on macOS", () => {
  it("writes the LaunchAgent plist and returns the launchctl bootstrap command", async () => {
    const result = await installService(options({ platform: "darwin" }));
    const path = join(home, "Library", "LaunchAgents", "com.ccm.orchestrator.plist");
    expect(result).toMatchObject({
      kind: "launchd",
      path,
      status: "created",
      verification: { ran: false, reason: "not-applicable" },
      enableCommands: [["launchctl", "bootstrap", "gui/501", path]],
      disableCommands: [["launchctl", "bootout", "gui/501/com.ccm.orchestrator"]],
    });
    expect(readFileSync(path, "utf8")).toBe(renderLaunchdPlist(options()));
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });
});

describe("unsupported platforms and bad targets", () => {
  it("explains that only systemd and launchd are supported", async () => {
    const error = await expectCcmError(installService(options({ platform: "win32" })), "INVALID_ARGUMENT");
    expect(error.message).toContain("win32");
    expect(error.hint).toContain("--foreground");
    await expectCcmError(uninstallService({ platform: "freebsd", home }), "INVALID_ARGUMENT");
  });

  it("requires an absolute HOME", () => {
    expect(() => describeService({ platform: "linux", home: "relative" })).toThrow(CcmError);
  });
});

describe("uninstallService", () => {
  it("removes the unit and its enablement link, and returns the disable commands", async () => {
    await installService(options());
    const wants = join(home, ".config", "systemd", "user", "default.target.wants");
    mkdirSync(wants);
    symlinkSync(unitPath(), join(wants, "ccm-orchestrator.service"));

    const result = await uninstallService({ platform: "linux", home });
    expect(result).toMatchObject({
      kind: "systemd",
      path: unitPath(),
      removed: true,
      disableCommands: [
        ["systemctl", "--user", "disable", "--now", "ccm-orchestrator.service"],
        ["systemctl", "--user", "daemon-reload"],
      ],
    });
    expect(existsSync(unitPath())).toBe(false);
    expect(existsSync(join(wants, "ccm-orchestrator.service"))).toBe(false);
    expect((await uninstallService({ platform: "linux", home })).removed).toBe(false);
  });

  it("leaves an enablement link that points at some other unit file", async () => {
    const wants = join(home, ".config", "systemd", "user", "default.target.wants");
    mkdirSync(wants, { recursive: true });
    symlinkSync("/etc/elsewhere.service", join(wants, "ccm-orchestrator.service"));
    await uninstallService({ platform: "linux", home });
    expect(readlinkSync(join(wants, "ccm-orchestrator.service"))).toBe("/etc/elsewhere.service");
  });

  it("removes the plist on macOS", async () => {
    const { path } = await installService(options({ platform: "darwin" }));
    expect(await uninstallService({ platform: "darwin", home, uid: 501 })).toMatchObject({
      path,
      removed: true,
    });
    expect(existsSync(path)).toBe(false);
  });
});
