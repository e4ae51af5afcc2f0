import { execFileSync, spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import {
  renderLaunchdPlist,
  renderSystemdUnit,
  type ServiceRenderOptions,
  SYSTEMD_UNIT_NAME,
  serviceEnvironment,
  systemdWord,
} from "./service-units.js";

const plain: ServiceRenderOptions = {
  nodePath: "/usr/local/bin/node",
  args: ["/opt/ccm/bin/ccm.js", "daemon", "start", "--foreground"],
  ccmHome: "/home/u/.ccm",
  env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
  logFile: "/home/u/.ccm/logs/daemon.log",
  errorLogFile: "/home/u/.ccm/logs/daemon-error.log",
};

/** Every character that means something to systemd, XML or a shell, in paths, arguments and values. */
const tricky: ServiceRenderOptions = {
  nodePath: "/opt/my node/100%/a$b/node",
  args: [
    `/home/u/My "Apps"/back\\slash/ccm.js`,
    "daemon",
    "start",
    "--foreground",
    "it's",
    "$HOME",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${} syntax is the test input
    "${X}",
    ";",
    "",
    "<&>",
  ],
  ccmHome: "/home/u/ccm 100%",
  env: {
    PATH: "/home/u/my bin:/usr/bin",
    QUOTED: `say "hi" & it's <ok>`,
    BACKSLASH: "C:\\dir\\",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${} syntax is the test input
    DOLLAR: "$HOME/${USER}",
    PERCENT: "50%h %%",
  },
  logFile: "/home/u/ccm 100%/logs/daemon $x.log",
  errorLogFile: "/home/u/ccm 100%/logs/err\\or.log",
};

function expectInvalid(fn: () => unknown, messagePart: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CcmError);
    expect((error as CcmError).code).toBe("INVALID_ARGUMENT");
    expect((error as CcmError).message).toContain(messagePart);
    return;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

describe("renderSystemdUnit", () => {
  it("renders a user service that restarts on failure and lets agents outlive it", () => {
    const unit = renderSystemdUnit(plain);
    expect(lines(unit, "[")).toEqual(["[Unit]", "[Service]", "[Install]"]);
    for (const line of [
      "Type=simple",
      "Restart=on-failure",
      "RestartSec=5",
      "KillMode=process",
      "WantedBy=default.target",
      "StandardOutput=append:/home/u/.ccm/logs/daemon.log",
      "StandardError=append:/home/u/.ccm/logs/daemon-error.log",
      'ExecStart="/usr/local/bin/node" "/opt/ccm/bin/ccm.js" "daemon" "start" "--foreground"',
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
    expect(lines(unit, "Environment=")).toEqual([
      'Environment="CCM_HOME=/home/u/.ccm"',
      'Environment="PATH=/usr/local/bin:/usr/bin:/bin"',
    ]);
  });

  it("escapes quotes, backslashes, % and $ the way systemd reads them back", () => {
    const unit = renderSystemdUnit(tricky);
    expect(lines(unit, "ExecStart=")).toEqual([
      "ExecStart=" +
        [
          '"/opt/my node/100%%/a$b/node"', // the executable is never $-expanded: $ stays single
          '"/home/u/My \\"Apps\\"/back\\\\slash/ccm.js"',
          '"daemon"',
          '"start"',
          '"--foreground"',
          `"it's"`,
          '"$$HOME"',
          '"$${X}"',
          '";"', // quoted, so not a command separator
          '""',
          '"<&>"',
        ].join(" "),
    ]);
    expect(lines(unit, "Environment=")).toEqual([
      'Environment="BACKSLASH=C:\\\\dir\\\\"',
      'Environment="CCM_HOME=/home/u/ccm 100%%"',
      // Environment= does no $ expansion.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${} syntax is the test input
      'Environment="DOLLAR=$HOME/${USER}"',
      'Environment="PATH=/home/u/my bin:/usr/bin"',
      'Environment="PERCENT=50%%h %%%%"',
      `Environment="QUOTED=say \\"hi\\" & it's <ok>"`,
    ]);
    expect(lines(unit, "Standard")).toEqual([
      "StandardOutput=append:/home/u/ccm 100%%/logs/daemon $x.log",
      "StandardError=append:/home/u/ccm 100%%/logs/err\\or.log", // append: paths are not unescaped
    ]);
  });

  it("is deterministic whatever the order of env keys", () => {
    const reversed = { ...tricky, env: Object.fromEntries(Object.entries(tricky.env).reverse()) };
    expect(renderSystemdUnit(reversed)).toBe(renderSystemdUnit(tricky));
  });

  it("refuses a Node path systemd would reject (quotes, backslashes)", () => {
    expectInvalid(() => renderSystemdUnit({ ...plain, nodePath: '/opt/"x"/node' }), "quote or backslash");
    expectInvalid(() => renderSystemdUnit({ ...plain, nodePath: "/opt/a\\b/node" }), "quote or backslash");
    expect(renderLaunchdPlist({ ...plain, nodePath: '/opt/"x"/node' })).toContain("/opt/&quot;x&quot;/node");
  });

  it("refuses log paths a unit line cannot carry", () => {
    expectInvalid(() => renderSystemdUnit({ ...plain, logFile: "/tmp/log " }), "ends with a blank");
    expectInvalid(() => renderSystemdUnit({ ...plain, errorLogFile: "/tmp/log\\" }), "backslash");
  });
});

describe("systemdWord", () => {
  it("doubles $ only in arguments", () => {
    expect(systemdWord("$A", "arg")).toBe('"$$A"');
    expect(systemdWord("$A", "env")).toBe('"$A"');
    expect(systemdWord("$A", "path")).toBe('"$A"');
  });
});

describe("serviceEnvironment (shared validation)", () => {
  it("adds CCM_HOME from ccmHome and sorts by name", () => {
    expect(serviceEnvironment({ ...plain, env: { ZED: "1", PATH: "/bin" } })).toEqual([
      ["CCM_HOME", "/home/u/.ccm"],
      ["PATH", "/bin"],
      ["ZED", "1"],
    ]);
  });

  it("rejects contradictory or unusable input", () => {
    expectInvalid(
      () => serviceEnvironment({ ...plain, env: { ...plain.env, CCM_HOME: "/other" } }),
      "differs",
    );
    expectInvalid(() => serviceEnvironment({ ...plain, env: {} }), "PATH");
    expectInvalid(() => serviceEnvironment({ ...plain, env: { ...plain.env, "A-B": "x" } }), "name");
    expectInvalid(
      () => serviceEnvironment({ ...plain, env: { ...plain.env, A: "x\ny" } }),
      "control character",
    );
    expectInvalid(() => serviceEnvironment({ ...plain, args: ["a\tb"] }), "control character");
    expectInvalid(() => serviceEnvironment({ ...plain, args: [] }), "args is empty");
    expectInvalid(() => serviceEnvironment({ ...plain, nodePath: "node" }), "absolute");
    expectInvalid(() => serviceEnvironment({ ...plain, logFile: "logs/d.log" }), "absolute");
  });
});

describe("renderLaunchdPlist", () => {
  const expected = {
    Label: "com.ccm.orchestrator",
    ProgramArguments: [tricky.nodePath, ...tricky.args],
    EnvironmentVariables: { ...tricky.env, CCM_HOME: tricky.ccmHome },
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    AbandonProcessGroup: true,
    StandardOutPath: tricky.logFile,
    StandardErrorPath: tricky.errorLogFile,
  };

  it("escapes every string so that it reads back unchanged", () => {
    const plist = renderLaunchdPlist(tricky);
    const strings = [...plist.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => xmlUnescape(m[1]!));
    const keys = [...plist.matchAll(/<key>([^<]*)<\/key>/g)].map((m) => xmlUnescape(m[1]!));
    expect(strings).toEqual([
      expected.Label,
      ...expected.ProgramArguments,
      ...Object.keys(expected.EnvironmentVariables)
        .sort()
        .map((k) => expected.EnvironmentVariables[k as keyof typeof expected.EnvironmentVariables]),
      tricky.logFile,
      tricky.errorLogFile,
    ]);
    expect(keys).toContain("AbandonProcessGroup");
    expect(plist).not.toMatch(/<string>[^<]*[&][^a-z#][^<]*<\/string>/); // no bare ampersand
  });

  const parser = plistParser();
  it.skipIf(parser === undefined)(
    `parses as a property list with the expected content (${parser?.name ?? "skipped: neither plutil nor python3 plistlib is available"})`,
    () => {
      expect(parser!.parse(renderLaunchdPlist(tricky))).toEqual(expected);
    },
  );
});

function xmlUnescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => {
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[name]!;
  });
}

/** A real plist parser when the machine has one: plutil on macOS, Python's plistlib (expat) elsewhere. */
function plistParser(): { name: string; parse: (xml: string) => unknown } | undefined {
  const run = (file: string, args: string[], input: string) =>
    JSON.parse(execFileSync(file, args, { input, encoding: "utf8", timeout: 10_000 })) as unknown;
  if (onPath("plutil")) {
    return { name: "plutil", parse: (xml) => run("plutil", ["-convert", "json", "-o", "-", "-"], xml) };
  }
  const script = "import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))";
  if (
    onPath("python3") &&
    spawnSync("python3", ["-c", "import plistlib"], { timeout: 10_000 }).status === 0
  ) {
    return { name: "python3 plistlib", parse: (xml) => run("python3", ["-c", script], xml) };
  }
  return undefined;
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/*
 * The strongest check of the quoting: let systemd's own unit parser read the unit and dump what it
 * understood. `systemd --test --user` loads units without becoming a manager, needs no bus, and refuses to
 * run as root, so as root it runs as nobody (setpriv) on a world-readable copy.
 */
const systemdBinary = ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"].find(isExecutable);
const isRoot = process.getuid?.() === 0;
const dumpUnavailable =
  systemdBinary === undefined
    ? "no systemd binary (/lib/systemd/systemd)"
    : isRoot && !onPath("setpriv")
      ? "running as root without setpriv to drop privileges"
      : undefined;

describe("systemd's own parser", () => {
  it.skipIf(dumpUnavailable !== undefined)(
    `reads the tricky unit back as the intended argv, environment and log paths${dumpUnavailable ? ` (skipped: ${dumpUnavailable})` : ""}`,
    () => {
      const { unit, stderr } = systemdDump(renderSystemdUnit(tricky));
      expect(stderr.split("\n").filter((line) => line.includes(SYSTEMD_UNIT_NAME))).toEqual([]);
      expect(field(unit, "Type")).toEqual(["simple"]);
      expect(field(unit, "Restart")).toEqual(["on-failure"]);
      expect(field(unit, "RestartSec")).toEqual(["5s"]);
      expect(field(unit, "KillMode")).toEqual(["process"]);
      expect(field(unit, "StandardOutputFileToAppend")).toEqual([tricky.logFile]);
      expect(field(unit, "StandardErrorFileToAppend")).toEqual([tricky.errorLogFile]);
      expect(field(unit, "Environment").sort()).toEqual(
        Object.entries({ ...tricky.env, CCM_HOME: tricky.ccmHome })
          .map(([name, value]) => `${name}=${value}`)
          .sort(),
      );
      // The dump shows argv before exec-time variable substitution, which turns each `$$` into `$`
      // (systemd.service(5)); the executable path is not substituted.
      const commandLine = field(unit, "Command Line");
      expect(commandLine).toHaveLength(1);
      expect(parseDumpedCommandLine(commandLine[0]!)).toEqual([
        tricky.nodePath,
        ...tricky.args.map((arg) => arg.replaceAll("$", () => "$$")),
      ]);
    },
  );
});

function systemdDump(unitText: string): { unit: string; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), "ccm-systemd-"));
  try {
    chmodSync(root, 0o755);
    const unitDir = join(root, "home", ".config", "systemd", "user");
    mkdirSync(unitDir, { recursive: true, mode: 0o755 });
    writeFileSync(join(unitDir, SYSTEMD_UNIT_NAME), unitText, { mode: 0o644 });
    const runtime = join(root, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    if (isRoot) chownSync(runtime, 65534, 65534);
    const command = [systemdBinary!, "--test", "--user", `--unit=${SYSTEMD_UNIT_NAME}`, "--no-pager"];
    const [file, ...args] = isRoot
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...command]
      : command;
    const result = spawnSync(file!, [...args, "--log-target=console"], {
      env: { HOME: join(root, "home"), XDG_RUNTIME_DIR: runtime, PATH: process.env.PATH ?? "/usr/bin:/bin" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const start = result.stdout.indexOf(`-> Unit ${SYSTEMD_UNIT_NAME}:`);
    expect(start, "unit missing from the dump").toBeGreaterThanOrEqual(0);
    const end = result.stdout.indexOf("\t-> Unit ", start + 1);
    return { unit: result.stdout.slice(start, end === -1 ? undefined : end), stderr: result.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Values of `Name: value` lines in a dumped unit (tab-indented). */
function field(unit: string, name: string): string[] {
  const prefix = `${name}: `;
  return unit
    .split("\n")
    .map((line) => line.trimStart())
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

/** systemd prints argv shell-style: bare words, or double-quoted with \ before " \ ` and $. */
function parseDumpedCommandLine(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        word += text[i];
        i++;
      }
      i++;
    } else {
      while (i < text.length && text[i] !== " ") word += text[i++];
    }
    words.push(word);
  }
  return words;
}
