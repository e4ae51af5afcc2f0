import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createGuardWorld } from "../../test/helpers/guard-world.js";
import { openStore } from "../store/db.js";
import { createGuardedRunner } from "./guard-runner.js";
import { handleHook } from "./handle-hook.js";
import { createScriptRunner } from "./script-runner.js";
import { seedAgent } from "./test-helpers.js";

// 10,000 seeded malformed and hostile PreToolUse payloads through handleHook with the real runner (guard +
// scripts): it never throws, and every guarded call it cannot check is denied, never let through.

const world = createGuardWorld();
const store = openStore(join(world.ccmHome, "fuzz.db"));
const ids = seedAgent(store, world.project);
afterAll(() => {
  store.close();
  world[Symbol.dispose]();
});

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  "'",
  '"',
  "$(",
  "`",
  ")",
  "(",
  "{",
  "}",
  ";",
  "&&",
  "||",
  "|",
  "&",
  ">",
  ">>",
  "<",
  "<<",
  "<<<",
  "\\",
  "\n",
  "$",
  "${",
  "$((",
  "~",
  "..",
  "/",
  "*",
  "?",
  "[",
  "]",
  "#",
  "=",
  "!",
  " ",
  "\t",
  "rm",
  "-rf",
  "git",
  "push",
  "sh",
  "-c",
  "eval",
  "cat",
  "~/.ssh/id_rsa",
  "/etc",
  "curl",
  "x",
  "EOF",
  "\u0000",
  "\uFFFD",
  "é",
  "／",
  "%2e",
];
const TOOLS = [
  "Bash",
  "Write",
  "Edit",
  "MultiEdit",
  "NotebookEdit",
  "Read",
  "Glob",
  "Grep",
  "run_shell_command",
  "write_file",
  "read_file",
  "Nope",
  "",
];

function hostileText(r: () => number): string {
  const n = Math.floor(r() * 12);
  let out = "";
  for (let i = 0; i < n; i++) out += PIECES[Math.floor(r() * PIECES.length)];
  return out;
}

function hostileValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 9);
  if (depth > 2) return hostileText(r);
  switch (k) {
    case 0:
      return null;
    case 1:
      return Math.floor(r() * 1e6) - 5e5;
    case 2:
      return r() < 0.5;
    case 3:
      return [hostileValue(r, depth + 1), hostileValue(r, depth + 1)];
    case 4:
      return { command: hostileValue(r, depth + 1), file_path: hostileValue(r, depth + 1) };
    default:
      return hostileText(r);
  }
}

function hostilePayload(r: () => number): string {
  const kind = Math.floor(r() * 10);
  if (kind === 0) return hostileText(r);
  if (kind === 1) return JSON.stringify(hostileValue(r));
  const body: Record<string, unknown> = {
    session_id: "s",
    cwd: r() < 0.8 ? world.worktree : hostileValue(r),
    hook_event_name: "PreToolUse",
    tool_name: r() < 0.9 ? TOOLS[Math.floor(r() * TOOLS.length)] : hostileValue(r),
    tool_input:
      r() < 0.8
        ? {
            command: hostileText(r),
            file_path: r() < 0.5 ? hostileText(r) : hostileValue(r),
            path: hostileValue(r),
            pattern: hostileText(r),
          }
        : hostileValue(r),
  };
  const text = JSON.stringify(body);
  return kind === 2 ? text.slice(0, Math.floor(r() * text.length)) : text;
}

describe("fuzzing the hook with the guard", () => {
  it("10,000 seeded hostile payloads: no throw; guarded tools with unusable input are denied", async () => {
    const r = rng(20261122);
    const runner = createGuardedRunner(createScriptRunner({ dirs: () => [] }));
    let denied = 0;
    for (let i = 0; i < 10_000; i++) {
      const body = hostilePayload(r);
      const outcome = await handleHook(
        { event: "PreToolUse", body, taskId: ids.taskId, agentId: ids.agentId, env: world.env },
        { db: () => store.db, runner, elapsed: () => 0 },
      );
      const data = outcome.parsed.data;
      const tool = data?.tool_name;
      const input = data?.tool_input;
      if (outcome.decision.decision === "block") denied++;
      // a guarded tool whose input lacks the string the guard needs must never pass
      if (typeof tool === "string" && ["Write", "Edit", "Read", "NotebookEdit"].includes(tool)) {
        const fields = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
        const named = ["file_path", "notebook_path", "absolute_path", "path"].some(
          (k) => typeof fields[k] === "string",
        );
        if (!named) expect(outcome.decision.decision, body).toBe("block");
      }
      if (tool === "Bash") {
        const command =
          typeof input === "object" && input !== null
            ? (input as Record<string, unknown>).command
            : undefined;
        if (typeof command !== "string") expect(outcome.decision.decision, body).toBe("block");
      }
      if (data !== undefined && typeof tool !== "string")
        expect(outcome.decision.decision, body).toBe("block");
    }
    expect(denied).toBeGreaterThan(1000);
  }, 300_000);
});
