import { mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AgentWrapperSpec, readExitRecord, WRAPPER_FAILED } from "./agent-wrapper-spec.js";
import { privateTmux, waitFor } from "./test-helpers.js";

/** The wrapper run from source: Node 24 strips the types, and it imports node: modules only. */
const WRAPPER = fileURLToPath(new URL("./agent-wrapper.ts", import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "ccm-wrapper-")));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a tiny fake agent and a spec running it; returns the spec path and its files. */
async function fake(source: string, spec: Partial<AgentWrapperSpec> = {}) {
  const program = join(dir, `agent-${Math.random()}.cjs`);
  await writeFile(program, source);
  const full: AgentWrapperSpec = {
    command: process.execPath,
    args: [program],
    cwd: dir,
    env: {},
    interactive: false,
    logFile: join(dir, "logs", "agent.log"),
    exitFile: join(dir, "exit.json"),
    ...spec,
  };
  const specPath = join(dir, "spec.json");
  await writeFile(specPath, JSON.stringify(full));
  const log = (suffix = "") => readFile(full.logFile + suffix, "utf8").catch(() => "");
  return { specPath, spec: full, log, exit: () => readExitRecord(full.exitFile) };
}

const runWrapper = (specPath: string) =>
  execa(process.execPath, [WRAPPER, specPath], { reject: false, timeout: 20_000 });

describe("agent wrapper", () => {
  it("copies stdout and stderr to the terminal and the logs, and records the exit code", async () => {
    const agent = await fake(
      `
      console.log("to stdout", process.cwd(), process.env.CCM_FOO);
      console.error("to stderr");
      process.exitCode = 3;
    `,
      { env: { CCM_FOO: "bar" } },
    );
    const result = await runWrapper(agent.specPath);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe(`to stdout ${dir} bar`);
    expect(result.stderr).toBe("to stderr");
    expect(await agent.log()).toBe(`to stdout ${dir} bar\n`);
    expect(await agent.log(".stderr")).toBe("to stderr\n");
    expect(await agent.exit()).toEqual({ code: 3, signal: null, endedAt: expect.any(String) });
  });

  it("appends to the log as output arrives, not at the end", async () => {
    const go = join(dir, "go");
    const agent = await fake(`
      const fs = require("node:fs");
      console.log("first");
      const timer = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { console.log("second"); clearInterval(timer); } }, 20);
    `);
    const wrapper = runWrapper(agent.specPath);
    await waitFor("the first line in the log", async () => (await agent.log()) === "first\n");
    expect(await agent.exit()).toBeNull();
    await writeFile(go, "");
    expect((await wrapper).exitCode).toBe(0);
    expect(await agent.log()).toBe("first\nsecond\n");
  });

  it("writes stdinText to the agent and closes its stdin", async () => {
    const agent = await fake(
      `let text = ""; process.stdin.on("data", (d) => (text += d)); process.stdin.on("end", () => console.log(JSON.stringify(text)));`,
      { stdinText: "the prompt\nwith two lines; and $HOME" },
    );
    expect((await runWrapper(agent.specPath)).exitCode).toBe(0);
    expect(await agent.log()).toBe(`${JSON.stringify("the prompt\nwith two lines; and $HOME")}\n`);
  });

  it("forwards SIGTERM to the agent and exits with the agent's code", async () => {
    const agent = await fake(`
      process.on("SIGTERM", () => { console.log("agent got SIGTERM"); process.exit(42); });
      console.log("ready");
      setInterval(() => {}, 1000);
    `);
    const wrapper = runWrapper(agent.specPath);
    await waitFor("the agent to be ready", async () => (await agent.log()).includes("ready"));
    wrapper.kill("SIGTERM");
    expect((await wrapper).exitCode).toBe(42);
    expect(await agent.log()).toBe("ready\nagent got SIGTERM\n");
    expect(await agent.exit()).toMatchObject({ code: 42, signal: null });
  });

  it("records a signal that killed the agent and exits with 128 + its number", async () => {
    const agent = await fake(`process.kill(process.pid, "SIGKILL");`);
    expect((await runWrapper(agent.specPath)).exitCode).toBe(137);
    expect(await agent.exit()).toMatchObject({ code: null, signal: "SIGKILL" });
  });

  it("records 127 when the program does not exist", async () => {
    const agent = await fake("", { command: join(dir, "no-such-agent") });
    const result = await runWrapper(agent.specPath);
    expect(result.exitCode).toBe(127);
    expect(await agent.exit()).toMatchObject({ code: 127, error: expect.stringContaining("no-such-agent") });
    expect(await agent.log(".stderr")).toContain("no-such-agent");
  });

  it("refuses an invalid spec, still recording it when the spec names an exit file", async () => {
    const agent = await fake("", { interactive: true, stdinText: "x" });
    const result = await runWrapper(agent.specPath);
    expect(result.exitCode).toBe(WRAPPER_FAILED);
    expect(result.stderr).toContain("stdinText needs interactive: false");
    expect(await agent.exit()).toMatchObject({
      code: WRAPPER_FAILED,
      error: expect.stringContaining("stdinText"),
    });
    expect((await runWrapper(join(dir, "missing.json"))).exitCode).toBe(WRAPPER_FAILED);
  });
});

describe("agent wrapper in a tmux window", () => {
  it("logs a headless agent and records its exit after the window closes", async () => {
    await using t = await privateTmux();
    await t.tmux.ensureSession("ccm", { cwd: dir });
    const agent = await fake(`console.log("headless", process.stdout.isTTY === true); process.exitCode = 5;`);
    const { windowId } = await t.tmux.newWindow({
      session: "ccm",
      name: "p:1",
      cwd: dir,
      env: {},
      argv: [process.execPath, WRAPPER, agent.specPath],
    });
    expect(await waitFor("the exit record", agent.exit)).toMatchObject({ code: 5, signal: null });
    // The agent wrote into a pipe (so the log gets it); the user's terminal got a copy.
    expect(await agent.log()).toBe("headless false\n");
    await waitFor("the window to close", async () => !(await t.tmux.hasWindow(windowId)));
  });

  it("gives an interactive agent the terminal, so typed text reaches it", async () => {
    await using t = await privateTmux();
    await t.tmux.ensureSession("ccm", { cwd: dir });
    const agent = await fake(
      `
      const tty = process.stdin.isTTY && process.stdout.isTTY;
      process.stdout.write("code? ");
      process.stdin.once("data", (d) => process.exit(tty ? Number(String(d).trim()) : 99));
    `,
      { interactive: true },
    );
    const { windowId } = await t.tmux.newWindow({
      session: "ccm",
      name: "p:2",
      cwd: dir,
      env: {},
      argv: [process.execPath, WRAPPER, agent.specPath],
    });
    await waitFor("the prompt", async () =>
      (await t.raw("capture-pane", "-p", "-t", windowId)).includes("code?"),
    );
    await t.tmux.sendText(windowId, "7", { enterDelayMs: 0 });
    expect(await waitFor("the exit record", agent.exit)).toMatchObject({ code: 7 });
    expect(await agent.log()).toBe("");
  });

  it("survives the window being killed: the agent gets SIGHUP and its exit is still recorded", async () => {
    await using t = await privateTmux();
    await t.tmux.ensureSession("ccm", { cwd: dir });
    const agent = await fake(`
      process.on("SIGHUP", () => { console.log("agent got SIGHUP"); process.exit(6); });
      console.log("ready");
      setInterval(() => {}, 1000);
    `);
    const { windowId } = await t.tmux.newWindow({
      session: "ccm",
      name: "p:3",
      cwd: dir,
      env: {},
      argv: [process.execPath, WRAPPER, agent.specPath],
    });
    await waitFor("the agent to be ready", async () => (await agent.log()).includes("ready"));
    // The user attaching sees the output too.
    await waitFor("output in the pane", async () =>
      (await t.raw("capture-pane", "-p", "-t", windowId)).includes("ready"),
    );
    await t.tmux.killWindow(windowId);
    expect(await waitFor("the exit record", agent.exit)).toMatchObject({ code: 6, signal: null });
    expect(await agent.log()).toBe("ready\nagent got SIGHUP\n");
  });
});
