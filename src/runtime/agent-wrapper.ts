/**
 * Entry point run inside each agent's tmux window: `node dist/runtime/agent-wrapper.js <spec.json>`.
 * It starts the agent, copies its output to log files the daemon tails (while still showing it to a user
 * who attaches), forwards termination signals, and records how the agent ended in an exit file, which is
 * how the daemon learns the outcome once the window has closed. It starts once per agent, so it imports
 * node: modules only (type imports are erased), and Node can run this file from source as well.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { constants } from "node:os";
import { dirname } from "node:path";
import type { AgentWrapperSpec, ExitRecord } from "./agent-wrapper-spec.js";

/** Same value as WRAPPER_FAILED in agent-wrapper-spec.ts (not imported: node: modules only). */
const WRAPPER_FAILED = 125;
const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
/** After the agent exits, how long a grandchild still holding its stdout may keep the log open. */
const DRAIN_MS = 2_000;

function main(specPath: string | undefined): void {
  let spec: AgentWrapperSpec;
  try {
    if (specPath === undefined) throw new Error("usage: agent-wrapper <spec.json>");
    spec = parseSpec(JSON.parse(readFileSync(specPath, "utf8")), specPath);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ccm agent wrapper: ${message}\n`);
    const exitFile = exitFileOf(specPath);
    if (exitFile !== undefined)
      writeExitRecord(exitFile, { code: WRAPPER_FAILED, signal: null, error: message });
    process.exit(WRAPPER_FAILED);
  }
  run(spec);
}

function run(spec: AgentWrapperSpec): void {
  const logs = spec.interactive ? undefined : openLogs(spec.logFile);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    // A TUI needs the terminal; a headless agent gets pipes so its output can be copied to the logs.
    stdio: spec.interactive ? "inherit" : [spec.stdinText === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let finished = false;
  const finish = (record: Omit<ExitRecord, "endedAt">): void => {
    if (finished) return;
    finished = true;
    if (record.error !== undefined) {
      process.stderr.write(`ccm agent wrapper: ${record.error}\n`);
      if (logs) writeAll(logs.stderr, `${record.error}\n`);
    }
    writeExitRecord(spec.exitFile, record);
    // A grandchild may still hold the pipes; stop reading them (the log fds close when the process exits).
    child.stdout?.destroy();
    child.stderr?.destroy();
    const code = record.code ?? 128 + (constants.signals[record.signal as NodeJS.Signals] ?? 0);
    process.exitCode = code;
    // Let pending terminal writes drain, but never linger because of a handle someone else holds.
    setTimeout(() => process.exit(code), 1_000).unref();
  };

  if (logs) {
    tee(child.stdout, logs.stdout, process.stdout);
    tee(child.stderr, logs.stderr, process.stderr);
  }
  if (spec.stdinText !== undefined && child.stdin) {
    child.stdin.on("error", () => {}); // the agent may exit without reading its input
    child.stdin.end(spec.stdinText);
  }
  // The agent stays in the wrapper's process group (a TUI must be in the terminal's foreground group), so
  // the daemon stops an agent by signalling the wrapper (the pane's pid), and `kill -KILL -<pane pid>`
  // still takes everything. Signals the terminal sends to the whole group (tmux's SIGHUP when the window
  // is killed, Ctrl-C in cooked mode) reach the agent twice; for these signals that is harmless.
  for (const signal of FORWARDED_SIGNALS) {
    // Handling the signal also keeps the wrapper alive until the agent has exited and been recorded.
    process.on(signal, () => {
      forward(child, signal);
    });
  }
  child.on("error", (error: NodeJS.ErrnoException) => {
    const code = error.code === "ENOENT" ? 127 : 126;
    finish({ code, signal: null, error: `cannot run ${spec.command}: ${error.message}` });
  });
  child.on("exit", (code, signal) => {
    setTimeout(() => finish({ code, signal }), DRAIN_MS).unref();
  });
  // "close" comes after the output pipes are drained, so the logs are complete when the exit file appears.
  child.on("close", (code, signal) => finish({ code, signal }));
}

function forward(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

/** Copies a stream to a log (synchronously, so the daemon's tail sees it at once) and to the terminal. */
function tee(source: NodeJS.ReadableStream | null, log: number, terminal: NodeJS.WriteStream): void {
  let terminalGone = false;
  // Once the window is closed the pty is gone; the log must still get everything.
  terminal.on("error", () => {
    terminalGone = true;
  });
  source?.on("data", (chunk: Buffer) => {
    writeAll(log, chunk);
    if (!terminalGone) terminal.write(chunk);
  });
}

function writeAll(fd: number, data: Buffer | string): void {
  const buffer = typeof data === "string" ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
}

function openLogs(logFile: string): { stdout: number; stderr: number } {
  mkdirSync(dirname(logFile), { recursive: true });
  return { stdout: openSync(logFile, "a"), stderr: openSync(`${logFile}.stderr`, "a") };
}

/** Written under a temporary name and renamed, so a reader never sees half a record. */
function writeExitRecord(exitFile: string, record: Omit<ExitRecord, "endedAt">): void {
  const full: ExitRecord = { ...record, endedAt: new Date().toISOString() };
  const temporary = `${exitFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(exitFile), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(full)}\n`);
    renameSync(temporary, exitFile);
  } catch (error) {
    process.stderr.write(`ccm agent wrapper: cannot write ${exitFile}: ${String(error)}\n`);
  }
}

function parseSpec(value: unknown, specPath: string): AgentWrapperSpec {
  const spec = value as Partial<Record<keyof AgentWrapperSpec, unknown>>;
  const problems: string[] = [];
  const isString = (v: unknown): v is string => typeof v === "string" && v !== "";
  if (!isString(spec.command)) problems.push("command must be a non-empty string");
  if (!Array.isArray(spec.args) || !spec.args.every((a) => typeof a === "string"))
    problems.push("args must be strings");
  if (!isString(spec.cwd)) problems.push("cwd must be a non-empty string");
  const env = spec.env as Record<string, unknown> | undefined;
  if (typeof env !== "object" || env === null || !Object.values(env).every((v) => typeof v === "string")) {
    problems.push("env must map names to strings");
  }
  if (spec.stdinText !== undefined && typeof spec.stdinText !== "string")
    problems.push("stdinText must be a string");
  if (typeof spec.interactive !== "boolean") problems.push("interactive must be true or false");
  if (spec.interactive === true && spec.stdinText !== undefined)
    problems.push("stdinText needs interactive: false");
  if (!isString(spec.logFile)) problems.push("logFile must be a non-empty string");
  if (!isString(spec.exitFile)) problems.push("exitFile must be a non-empty string");
  if (problems.length > 0) throw new Error(`invalid spec ${specPath}: ${problems.join("; ")}`);
  return spec as AgentWrapperSpec;
}

/** The exit file named by a spec that failed validation, so the daemon still gets a record. */
function exitFileOf(specPath: string | undefined): string | undefined {
  try {
    const exitFile = (JSON.parse(readFileSync(specPath ?? "", "utf8")) as { exitFile?: unknown }).exitFile;
    return typeof exitFile === "string" && exitFile !== "" ? exitFile : undefined;
  } catch {
    return undefined;
  }
}

main(process.argv[2]);
