import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import { isAlive, type PrivateTmux, privateTmux, waitFor } from "./test-helpers.js";
import { Tmux } from "./tmux.js";
import type { TmuxExec } from "./tmux-exec.js";

/** A fake exec that records argument lists: for what must be sent, whatever tmux would do with it. */
function recordingExec(stdout = ""): { exec: TmuxExec; calls: string[][] } {
  const calls: string[][] = [];
  const exec: TmuxExec = async (args) => {
    calls.push([...args]);
    return { exitCode: 0, stdout, stderr: "" };
  };
  return { calls, exec };
}

/** A program that records what it receives on a raw terminal, optionally asking for bracketed paste. */
const RECORDER = `
const fs = require("node:fs");
process.stdin.setRawMode(true);
if (process.argv[3] === "paste") process.stdout.write("\\x1b[?2004h");
process.stdout.write("ready\\n");
process.stdin.on("data", (d) => fs.appendFileSync(process.argv[2], d));
`;

async function session(t: PrivateTmux): Promise<string> {
  await t.tmux.ensureSession("ccm", { cwd: t.dir });
  return "ccm";
}

async function recorder(
  t: PrivateTmux,
  mode = "",
): Promise<{ windowId: string; received: () => Promise<string> }> {
  const script = join(t.dir, "recorder.cjs");
  const out = join(t.dir, `received-${Math.random()}`);
  await writeFile(script, RECORDER);
  await writeFile(out, "");
  const argv = [process.execPath, script, out, mode];
  const { windowId } = await t.tmux.newWindow({
    session: await session(t),
    name: "rec",
    cwd: t.dir,
    env: {},
    argv,
  });
  await waitFor("the recorder to start", async () =>
    (await t.raw("capture-pane", "-p", "-t", windowId)).includes("ready"),
  );
  return { windowId, received: () => readFile(out, "utf8") };
}

const quote = (argv: string[]) => argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");

describe("Tmux arguments", () => {
  it("picks -L for a socket name, -S for a path, and names the default server explicitly", async () => {
    for (const [socket, expected] of [
      ["ccm", ["-L", "ccm"]],
      ["/run/x/tmux.sock", ["-S", "/run/x/tmux.sock"]],
      [undefined, ["-L", "default"]],
    ] as const) {
      const { exec, calls } = recordingExec();
      await new Tmux({ socket, exec }).hasSession("ccm");
      expect(calls[0]).toEqual(["-u", ...expected, "has-session", "-t", "=ccm"]);
    }
  });

  it("escapes a trailing ';' in every argument so tmux does not split the command there", async () => {
    const { exec, calls } = recordingExec("@7\t123\n");
    const tmux = new Tmux({ socket: "s", exec });
    await tmux.newWindow({
      session: "ccm",
      name: "x;",
      cwd: "/",
      env: { A: "v;" },
      argv: ["printf", ";", "a;"],
    });
    expect(calls[0]).toEqual(expect.arrayContaining(["x\\;", "A=v\\;", "printf", "\\;", "a\\;"]));
  });

  it("rejects names tmux would rewrite or prefix-match, and ids that are not ids", async () => {
    const tmux = new Tmux({ socket: "s", exec: recordingExec().exec });
    await expect(tmux.hasSession("a.b")).rejects.toBeInstanceOf(CcmError);
    await expect(tmux.killWindow("proj:1")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(tmux.sendText("=ccm:1", "x")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("Tmux on a private server", () => {
  it("reads window ids back with no UTF-8 locale (LANG unset, as under systemd or cron)", async () => {
    await using t = await privateTmux();
    // tmux itself, run with nothing but PATH: in the C locale it prints a format's tab as "_".
    const bare: TmuxExec = async (args, { input }) => {
      const r = await execa("tmux", args, {
        reject: false,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        ...(input === undefined ? { stdin: "ignore" as const } : { input }),
      });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
    };
    const tmux = new Tmux({ socket: t.socket, configFile: "/dev/null", exec: bare });
    await tmux.ensureSession("ccm", { cwd: t.dir });
    const window = await tmux.newWindow({
      session: "ccm",
      name: "app:1",
      cwd: t.dir,
      env: {},
      argv: ["sleep", "30"],
    });
    expect(window.windowId).toMatch(/^@\d+$/);
    expect(window.panePid).toBeGreaterThan(0);
    expect((await tmux.listWindows("ccm")).find((w) => w.windowId === window.windowId)?.name).toBe("app:1");
  });

  it("reports the client version", async () => {
    await using t = await privateTmux();
    expect(await t.tmux.version()).toMatch(/^\d+\.\d+/);
  });

  it("creates a session once even when asked concurrently, and matches names exactly", async () => {
    await using t = await privateTmux();
    const clients = Array.from({ length: 5 }, () => new Tmux({ socket: t.socket, configFile: "/dev/null" }));
    await Promise.all(clients.map((client) => client.ensureSession("ccm", { cwd: t.dir })));
    expect(await t.raw("list-sessions", "-F", "#{session_name}")).toBe("ccm");
    expect(await t.raw("list-windows", "-t", "=ccm", "-F", "#{window_width}x#{window_height}")).toBe(
      "200x50",
    );
    expect(await t.tmux.hasSession("ccm")).toBe(true);
    expect(await t.tmux.hasSession("cc")).toBe(false);
    expect(await t.tmux.killSession("ccm")).toBe(true);
    expect(await t.tmux.killSession("ccm")).toBe(false);
    expect(await t.tmux.hasSession("ccm")).toBe(false);
  });

  it("recreates the session while the previous server is still exiting", async () => {
    await using t = await privateTmux();
    // After the last session closes the server exits; a client arriving meanwhile sees "server exited
    // unexpectedly" (about 2% of the time here), so a few dozen rounds reliably cross that window.
    for (let round = 0; round < 40; round++) {
      await t.tmux.ensureSession("ccm", { cwd: t.dir });
      expect(await t.tmux.killSession("ccm")).toBe(true);
      expect(await t.tmux.killSession("ccm")).toBe(false);
    }
  });

  it("runs argv without a shell, in cwd, with env, and names with ':' '.' ' ' ';' intact", async () => {
    await using t = await privateTmux();
    const cwd = join(t.dir, "work dir");
    await mkdir(cwd);
    await writeFile(
      join(t.dir, "argv.cjs"),
      "require('node:fs').writeFileSync(process.env.OUT, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), v: process.env.CCM_V }))",
    );
    const args = ["a;", ";", "$HOME", "b c", "-x", '"q"', "it's", "#{pane_id}", "~"];
    const out = join(t.dir, "argv.json");
    const { windowId, panePid } = await t.tmux.newWindow({
      session: await session(t),
      name: "my.proj:12 fix;",
      cwd,
      env: { OUT: out, CCM_V: "x y;" },
      argv: [process.execPath, join(t.dir, "argv.cjs"), ...args],
    });
    expect(windowId).toMatch(/^@\d+$/);
    expect(panePid).toBeGreaterThan(0);
    const written = await waitFor("the program's output", () => readFile(out, "utf8").catch(() => undefined));
    expect(JSON.parse(written)).toEqual({ argv: args, cwd, v: "x y;" });
    await waitFor("the window to close", async () => !(await t.tmux.hasWindow(windowId)));
  });

  it("runs a lone program path as a program, never as shell text", async () => {
    await using t = await privateTmux();
    const dir = join(t.dir, "a dir; $(touch pwned)");
    await mkdir(dir);
    const program = join(dir, "my prog");
    await writeFile(program, `#!/bin/sh\necho ran > "${join(t.dir, "ran.txt")}"\n`);
    await chmod(program, 0o755);
    await t.tmux.newWindow({ session: await session(t), name: "lone", cwd: t.dir, env: {}, argv: [program] });
    expect(
      await waitFor("the program to run", () =>
        readFile(join(t.dir, "ran.txt"), "utf8").catch(() => undefined),
      ),
    ).toBe("ran\n");
    await expect(readFile(join(t.dir, "pwned"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("lists, finds and kills windows by id", async () => {
    await using t = await privateTmux();
    const name = "proj.x:3\tnew\nline";
    const { windowId, panePid } = await t.tmux.newWindow({
      session: await session(t),
      name,
      cwd: t.dir,
      env: {},
      argv: ["sleep", "60"],
    });
    await waitFor("sleep to be the foreground command", async () =>
      (await t.tmux.listWindows("ccm")).some((w) => w.paneCurrentCommand === "sleep"),
    );
    expect((await t.tmux.listWindows("ccm")).find((w) => w.windowId === windowId)).toEqual({
      windowId,
      name: "proj.x:3 new line",
      panePid,
      paneDead: false,
      paneCurrentCommand: "sleep",
    });
    expect(await t.raw("show-options", "-w", "-v", "-t", windowId, "remain-on-exit")).toBe("off");
    expect(await t.tmux.hasWindow(windowId)).toBe(true);
    expect(await t.tmux.killWindow(windowId)).toBe(true);
    expect(await t.tmux.hasWindow(windowId)).toBe(false);
    expect(await t.tmux.killWindow(windowId)).toBe(false);
    await waitFor("the pane's process to get SIGHUP", () => !isAlive(panePid));
    expect(await t.tmux.listWindows("nope")).toEqual([]);
  });

  it("closes the window when the program exits, even if a config keeps dead panes", async () => {
    await using t = await privateTmux();
    await session(t);
    await t.raw("set-option", "-wg", "remain-on-exit", "on");
    for (const argv of [["true"], ["sh", "-c", "sleep 0.3; exit 3"]]) {
      const { windowId } = await t.tmux.newWindow({
        session: "ccm",
        name: "quick",
        cwd: t.dir,
        env: {},
        argv,
      });
      await waitFor(`window of ${argv.join(" ")} to close`, async () => !(await t.tmux.hasWindow(windowId)));
    }
  });

  it("refuses a missing working folder instead of starting in the server's", async () => {
    await using t = await privateTmux();
    const spec = {
      session: await session(t),
      name: "x",
      cwd: join(t.dir, "missing"),
      env: {},
      argv: ["true"],
    };
    await expect(t.tmux.newWindow(spec)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      details: { reason: "no-cwd" },
    });
  });

  it("hands the session environment to later windows and updates it on the next ensureSession", async () => {
    await using t = await privateTmux();
    const read = async (n: number) => {
      const out = join(t.dir, `env-${n}`);
      const argv = ["sh", "-c", 'printf %s "$CCM_SESSION_VAR" > "$0"', out];
      await t.tmux.newWindow({ session: "ccm", name: "env", cwd: t.dir, env: {}, argv });
      return waitFor("the window's output", () => readFile(out, "utf8").catch(() => undefined));
    };
    await t.tmux.ensureSession("ccm", { cwd: t.dir, env: { CCM_SESSION_VAR: "one" } });
    expect(await read(1)).toBe("one");
    await t.tmux.ensureSession("ccm", { cwd: t.dir, env: { CCM_SESSION_VAR: "two" } });
    expect(await read(2)).toBe("two");
  });
});

describe("Tmux.sendText", () => {
  it("types short text literally, '-' prefixes and trailing ';' included, then Enter", async () => {
    await using t = await privateTmux();
    const rec = await recorder(t);
    await t.tmux.sendText(rec.windowId, "-n hello;", { enterDelayMs: 0 });
    await t.tmux.sendText(rec.windowId, "a\\;", { enterDelayMs: 0 });
    await waitFor("both lines", async () => (await rec.received()) === "-n hello;\ra\\;\r");
  });

  it("pastes multi-line text in one bracketed paste when the program asked for it", async () => {
    await using t = await privateTmux();
    const rec = await recorder(t, "paste");
    await t.tmux.sendText(rec.windowId, "line 1\nline 2;\n\n", { enterDelayMs: 0 });
    await waitFor("the paste", async () => (await rec.received()) === "\x1b[200~line 1\nline 2;\x1b[201~\r");
    expect(await t.raw("list-buffers", "-F", "#{buffer_name}")).toBe("");
  });

  it("sends text longer than one tmux message whole", async () => {
    await using t = await privateTmux();
    const rec = await recorder(t);
    const long = "0123456789".repeat(3_000);
    await t.tmux.sendText(rec.windowId, long, { enterDelayMs: 0 });
    await waitFor("the long text", async () => (await rec.received()) === `${long}\r`);
  });

  it("leaves copy mode first, so the keys are not swallowed", async () => {
    await using t = await privateTmux();
    const rec = await recorder(t);
    await t.raw("copy-mode", "-t", rec.windowId);
    expect(await t.raw("list-panes", "-t", rec.windowId, "-F", "#{pane_in_mode}")).toBe("1");
    await t.tmux.sendText(rec.windowId, "after copy mode", { enterDelayMs: 0 });
    await waitFor("the text", async () => (await rec.received()) === "after copy mode\r");
  });

  it("says so when the window is gone", async () => {
    await using t = await privateTmux();
    await session(t);
    await expect(t.tmux.sendText("@99", "hi")).rejects.toMatchObject({ details: { reason: "gone" } });
  });
});

describe("Tmux.attachCommand", () => {
  it("attaches a terminal to the window from outside, and switches from inside the same server", async () => {
    await using t = await privateTmux();
    await session(t);
    const { windowId } = await t.tmux.newWindow({
      session: "ccm",
      name: "a",
      cwd: t.dir,
      env: {},
      argv: ["sleep", "60"],
    });
    const argv = await t.tmux.attachCommand(windowId, {});
    expect(argv).toEqual([
      "tmux",
      "-S",
      t.socket,
      "attach-session",
      "-t",
      "=ccm",
      ";",
      "select-window",
      "-t",
      windowId,
    ]);
    // Run it for real on a pseudo-terminal, the way a user's shell would.
    const client = execa("script", ["-qfec", quote(argv), "/dev/null"], {
      env: { TERM: "xterm", SSH_AUTH_SOCK: "/from/the/attaching/terminal" },
      reject: false,
      timeout: 20_000,
    });
    const active = () => t.raw("list-windows", "-t", "=ccm", "-f", "#{window_active}", "-F", "#{window_id}");
    await waitFor(
      "a client on the window",
      async () =>
        (await t.raw("list-clients", "-F", "#{client_session}")) === "ccm" && (await active()) === windowId,
    );

    const { windowId: other } = await t.tmux.newWindow({
      session: "ccm",
      name: "b",
      cwd: t.dir,
      env: {},
      argv: ["sleep", "60"],
    });
    const inside = await t.tmux.attachCommand(other, { TMUX: `${t.socket},1234,0` });
    expect(inside).toEqual(["tmux", "-S", t.socket, "switch-client", "-t", other]);
    await t.tmux.newWindow({ session: "ccm", name: "c", cwd: t.dir, env: {}, argv: inside });
    await waitFor("the client to switch", async () => (await active()) === other);

    // The attach must not hand the attaching terminal's agent socket to later agent windows.
    const out = join(t.dir, "ssh-auth-sock");
    const argvEnv = ["sh", "-c", 'printf %s "$SSH_AUTH_SOCK" > "$0"', out];
    await t.tmux.newWindow({ session: "ccm", name: "d", cwd: t.dir, env: {}, argv: argvEnv });
    const seen = await waitFor("the window's output", () => readFile(out, "utf8").catch(() => undefined));
    expect(seen).not.toBe("/from/the/attaching/terminal");

    await t.raw("detach-client", "-s", "=ccm");
    expect((await client).exitCode).toBe(0);
  });
});
