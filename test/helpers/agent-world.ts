import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killMarkedProcesses, newRunMarker, RUN_MARKER_ENV } from "../fixtures/process-sweep.js";
import { type Sandbox, sandbox } from "./cli.js";

/** A sealed ccm world whose daemon runs agents on a private tmux server. */
export interface AgentWorld extends Sandbox {
  socket: string;
  /** Processes started with this marker in CCM_TEST_RUN_ID are killed on dispose. */
  marker: string;
  /** tmux against the daemon's private server (debugging and window checks only). */
  tmux(...args: string[]): string;
}

/**
 * `daemon init`, web UI on a free port, agents on a private tmux socket; `agentsYaml` is added under
 * `agents:` (indented two spaces). Disposing the stack stops the daemon, kills the tmux server and every
 * process still tagged with the marker, and removes the files.
 */
export function agentWorld(stack: AsyncDisposableStack, agentsYaml = ""): AgentWorld {
  const s = sandbox();
  const socket = join(s.root, "tmux.sock");
  const marker = newRunMarker();
  // Every command of this world (the daemon, hence its tmux server and agents) carries the marker.
  s.env[RUN_MARKER_ENV] = marker;
  s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
  const config = join(s.ccmHome, "config.yaml");
  const text = readFileSync(config, "utf8")
    .replace("port: 8765", "port: 0")
    .replace("tmux_session_name: ccm", `tmux_session_name: ccm\n  tmux_socket: ${socket}${agentsYaml}`);
  writeFileSync(config, text, { mode: 0o600 });
  const quietly = (fn: () => unknown) => async () => {
    try {
      await fn();
    } catch {}
  };
  stack.defer(quietly(() => s[Symbol.dispose]()));
  stack.defer(quietly(() => killMarkedProcesses(marker)));
  stack.defer(quietly(() => execFileSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" })));
  stack.defer(quietly(() => s.run(["daemon", "stop"])));
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-S", socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return Object.assign(s, { socket, marker, tmux });
}

/** Polls `ccm task show` until the task is in one of `states`; the error shows the task as it was. */
export async function waitForTaskState<T extends { state: string }>(
  s: Sandbox,
  id: number,
  states: readonly string[],
  timeoutMs = 60_000,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = s.json<T>(["task", "show", String(id)]);
    if (states.includes(task.state)) return task;
    if (Date.now() > deadline) {
      throw new Error(
        `task #${id} is ${task.state}, expected ${states.join("|")}: ${JSON.stringify(task, null, 1).slice(0, 3000)}\n${describe()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
