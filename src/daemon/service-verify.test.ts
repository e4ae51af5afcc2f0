import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderSystemdUnit, type ServiceRenderOptions } from "./service-units.js";
import { classifyVerifyOutput, verifySystemdUnit } from "./service-verify.js";

const unitPath = "/home/u/.config/systemd/user/ccm-orchestrator.service";

describe("classifyVerifyOutput (outputs observed from systemd 252)", () => {
  const cases: Array<[string, number, string, ReturnType<typeof classifyVerifyOutput>]> = [
    ["clean", 0, "", "ok"],
    [
      "unknown key (exits 0!)",
      0,
      `${unitPath}:7: Unknown key 'Foo' in section [Service], ignoring.`,
      "unit-error",
    ],
    [
      "bad value (exits 0!)",
      0,
      `${unitPath}:6: Failed to parse service type, ignoring: simpel`,
      "unit-error",
    ],
    [
      "missing executable",
      1,
      "ccm-orchestrator.service: Command /nope/node is not executable: No such file or directory",
      "unit-error",
    ],
    [
      "fatal setting",
      1,
      `${unitPath}:2: Unbalanced quoting, ignoring: "x\nccm-orchestrator.service: Unit configuration has fatal error, unit will not be started.\nUnit ccm-orchestrator.service has a bad unit file setting.`,
      "unit-error",
    ],
    ["bad file name", 1, `Failed to prepare filename ${unitPath}: Invalid argument`, "unit-error"],
    [
      "no runtime directory",
      1,
      "Failed to lookup RuntimeDirectory path: No such device or address\nFailed to initialize manager: No such device or address",
      "environment",
    ],
    ["no bus", 1, "Failed to connect to bus: No such file or directory", "environment"],
    ["someone else's unit", 0, "/usr/lib/systemd/user/other.service:3: Unknown key 'X', ignoring.", "ok"],
  ];
  it.each(cases)("%s", (_name, exitCode, output, verdict) => {
    expect(classifyVerifyOutput({ output, exitCode, unitPath })).toBe(verdict);
  });
});

describe("verifySystemdUnit with a fake systemd-analyze", () => {
  let dir: string;
  let bin: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ccm-verify-test-"));
    bin = join(dir, "bin");
    mkdirSync(bin);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fakeAnalyze(body: string): void {
    writeFileSync(join(bin, "systemd-analyze"), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  const verify = ({ timeoutMs, path }: { timeoutMs?: number; path?: string } = {}) =>
    verifySystemdUnit({
      unitText: "[Service]\nExecStart=/bin/true\n",
      finalPath: unitPath,
      home: join(dir, "home"),
      hostEnv: { PATH: path ?? `${bin}${delimiter}/usr/bin${delimiter}/bin` },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });

  it("passes a staged copy with the unit's name, the user's HOME and a private runtime directory", async () => {
    const log = join(dir, "calls");
    fakeAnalyze(
      `{ printf '%s\\n' "$@"; echo "HOME=$HOME"; test -d "$XDG_RUNTIME_DIR" && echo runtime-ok; cat "$3"; } > '${log}'`,
    );
    expect(await verify()).toEqual({ ran: true, ok: true, output: "" });
    const [verb, flag, staged, home, runtime, ...unit] = readFileSync(log, "utf8").split("\n");
    expect([verb, flag]).toEqual(["verify", "--user"]);
    expect(staged).toMatch(/\/ccm-orchestrator\.service$/);
    expect(staged).not.toBe(unitPath);
    expect(home).toBe(`HOME=${join(dir, "home")}`);
    expect(runtime).toBe("runtime-ok");
    expect(unit.join("\n")).toBe("[Service]\nExecStart=/bin/true\n");
  });

  it("fails on a complaint about the unit even when the exit status is 0, naming the final path", async () => {
    fakeAnalyze(`echo "$3:2: Unknown key 'Foo' in section [Service], ignoring." >&2; exit 0`);
    expect(await verify()).toEqual({
      ran: true,
      ok: false,
      output: `${unitPath}:2: Unknown key 'Foo' in section [Service], ignoring.`,
    });
  });

  it("gives no verdict when the tool cannot set itself up", async () => {
    fakeAnalyze(`echo "Failed to initialize manager: No such device or address" >&2; exit 1`);
    expect(await verify()).toMatchObject({ ran: false, reason: "environment" });
  });

  it("gives no verdict when the tool hangs", async () => {
    fakeAnalyze("exec sleep 10");
    expect(await verify({ timeoutMs: 300 })).toMatchObject({ ran: false, reason: "timed-out" });
  });

  it("reports a missing tool without failing", async () => {
    expect(await verify({ path: bin })).toEqual({ ran: false, reason: "tool-missing" });
  });
});

const realAnalyze = (process.env.PATH ?? "").split(delimiter).some((d) => {
  try {
    accessSync(join(d, "systemd-analyze"), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

describe.skipIf(!realAnalyze)(
  `verifySystemdUnit with the real systemd-analyze${realAnalyze ? "" : " (skipped: systemd-analyze is not on PATH)"}`,
  () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "ccm-verify-real-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const options = (nodePath: string): ServiceRenderOptions => ({
      nodePath,
      args: [join(dir, "my bin", "ccm.js"), "daemon", "start", "--foreground", "$HOME", "100%"],
      ccmHome: join(dir, ".ccm"),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ODD: `a "b" \\c $d %e` },
      logFile: join(dir, ".ccm", "logs", "daemon 100%.log"),
      errorLogFile: join(dir, ".ccm", "logs", "daemon-error.log"),
    });
    const verify = (nodePath: string) =>
      verifySystemdUnit({ unitText: renderSystemdUnit(options(nodePath)), finalPath: unitPath, home: dir });

    it("accepts the generated unit", async () => {
      expect(await verify(process.execPath)).toMatchObject({ ran: true, ok: true });
    });

    it("finds the Node binary through a path with spaces, % and $ (so the escaping is right)", async () => {
      const odd = join(dir, "my node", "100%", "a$b");
      mkdirSync(odd, { recursive: true });
      symlinkSync(process.execPath, join(odd, "node"));
      expect(await verify(join(odd, "node"))).toMatchObject({ ran: true, ok: true });
    });

    it("rejects a unit whose Node binary does not exist", async () => {
      const result = await verify(join(dir, "missing", "node"));
      expect(result).toMatchObject({ ran: true, ok: false });
      expect(result.output).toContain("is not executable");
    });
  },
);
