import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seedAgent } from "../../src/hooks/test-helpers.js";
import { openStore } from "../../src/store/db.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { createGuardWorld, loadCorpus } from "../helpers/guard-world.js";
import { HOOK_ENTRY } from "../helpers/hook-entry.js";

// The escape and benign corpora through the BUILT hook entry, spawned as Claude Code spawns it (exec form,
// event name in argv, JSON on stdin, the task's environment), with a real ccm.db.

const world = createGuardWorld();
const store = openStore(join(world.ccmHome, "ccm.db"));
const ids = seedAgent(store, world.project);
afterAll(() => {
  store.close();
  world[Symbol.dispose]();
});
const CORPUS = join(REPO_ROOT, "test", "fixtures", "guard-corpus");

interface HookResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hook(payload: unknown, env: Record<string, string> = {}): Promise<HookResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOOK_ENTRY, "PreToolUse"], {
      cwd: world.worktree,
      env: {
        ...world.env,
        CCM_DB: store.path,
        CCM_TASK_ID: String(ids.taskId),
        CCM_AGENT_ID: String(ids.agentId),
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(typeof payload === "string" ? payload : JSON.stringify(payload));
  });
}

function payload(tool: string, input: Record<string, unknown>) {
  return {
    session_id: "s",
    transcript_path: "/dev/null",
    cwd: world.worktree,
    hook_event_name: "PreToolUse",
    tool_name: tool,
    tool_input: input,
    tool_use_id: "toolu_1",
  };
}

/** Runs every call through the hook, four processes at a time. */
async function runAll(calls: { tool: string; input: Record<string, unknown>; label: string }[]) {
  const results: { label: string; result: HookResult }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        results.push({ label: call.label, result: await hook(payload(call.tool, call.input)) });
      }
    }),
  );
  return results;
}

function denied(result: HookResult): string | undefined {
  if (result.code !== 0 || !result.stdout.startsWith("{")) return undefined;
  const out = JSON.parse(result.stdout) as {
    hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string };
  };
  return out.hookSpecificOutput?.permissionDecision === "deny"
    ? out.hookSpecificOutput.permissionDecisionReason
    : undefined;
}

describe("the guard through the real hook entry", () => {
  it("denies all of the escape corpus (>= 200 attempts), each with a ccm guard reason", async () => {
    const calls = loadCorpus(join(CORPUS, "escape.json"), world);
    expect(calls.length).toBeGreaterThanOrEqual(200);
    const results = await runAll(calls);
    const allowed = results.filter((r) => !denied(r.result)?.startsWith("ccm guard: ")).map((r) => r.label);
    expect(allowed).toEqual([]);
    const runs = store.db
      .prepare(
        "SELECT count(*) AS n FROM automation_runs WHERE script = 'builtin:guard' AND decision = 'block'",
      )
      .get() as { n: number };
    expect(runs.n).toBe(calls.length);
  }, 600_000);

  it("allows all of the benign corpus (>= 100 calls)", async () => {
    const calls = loadCorpus(join(CORPUS, "benign.json"), world);
    expect(calls.length).toBeGreaterThanOrEqual(100);
    const results = await runAll(calls);
    const blocked = results
      .filter((r) => r.result.code !== 0 || denied(r.result) !== undefined)
      .map((r) => `${r.label}: ${r.result.stdout}${r.result.stderr}`);
    expect(blocked).toEqual([]);
  }, 600_000);

  it("fails closed when the guard file is missing or corrupt, and does not guard without CCM_GUARD_FILE", async () => {
    const call = payload("Bash", { command: "ls" });
    const missing = await hook(call, { CCM_GUARD_FILE: join(world.root, "no-such-guard.json") });
    expect(denied(missing)).toMatch(/^ccm guard: the guard file cannot be read .*fail closed/);
    const { CCM_GUARD_FILE: _unused, ...unguarded } = world.env;
    const child = spawn(process.execPath, [HOOK_ENTRY, "PreToolUse"], {
      env: { ...unguarded, CCM_DB: store.path },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stdin.end(JSON.stringify(payload("Bash", { command: "rm -rf /" })));
    await new Promise((resolve) => child.on("close", resolve));
    expect(stdout).toBe("");
  });

  it("answers Gemini CLI's BeforeTool with exit 2 and the reason on stderr", async () => {
    const result = await hook(
      { ...payload("run_shell_command", { command: "git push" }), hook_event_name: "BeforeTool" },
      { CCM_HOOK_AGENT: "gemini-cli" },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ccm guard: git push: pushing is blocked");
  });

  it("300 seeded malformed payloads through the process: it always answers, and never lets a broken guarded call through", async () => {
    let seed = 7;
    const r = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const calls = loadCorpus(join(CORPUS, "escape.json"), world);
    for (let i = 0; i < 300; i++) {
      const call = calls[Math.floor(r() * calls.length)]!;
      const text = JSON.stringify(payload(call.tool, call.input));
      const cut = text.slice(0, Math.floor(r() * text.length));
      const broken =
        r() < 0.5 ? cut : text.replace(/"tool_input":\{/, `"tool_input":${r() < 0.5 ? "null" : "[1]"},"x":{`);
      const result = await hook(broken);
      expect([0, 2], `${broken}\n${result.stderr}`).toContain(result.code);
      if (
        result.code === 0 &&
        broken !== text &&
        broken.startsWith("{") &&
        broken.includes('"tool_input":null')
      ) {
        expect(denied(result), broken).toBeDefined();
      }
    }
  }, 600_000);
});
