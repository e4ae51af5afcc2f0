import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { describe, expect, test } from "vitest";
import { buildClaudeSettings, type ClaudeSettingsOptions } from "../../src/agents/claude-code/settings.js";
import { seedAgent } from "../../src/hooks/test-helpers.js";
import { createApp } from "../../src/server/app.js";
import { registerHookRoute } from "../../src/server/hooks-route.js";
import { openStore, type Store } from "../../src/store/db.js";
import { type ClaudeSandbox, createClaudeSandbox } from "../fixtures/claude-env.js";
import { type Script, startFakeAnthropic, toolResultsOf } from "../fixtures/fake-anthropic/server.js";
import { createTempRepo, type TempRepo } from "../fixtures/git-repo.js";
import { writeSettings } from "../fixtures/hook-settings.js";
import { type ClaudeRun, runClaude } from "../fixtures/run-claude.js";
import { HOOK_ENTRY } from "../helpers/hook-entry.js";

// The real Claude Code CLI, offline against the scripted Messages API, with the settings ccm writes and
// the BUILT hook entry (dist/hooks/entry.js): events land in a real ccm.db, automations really block.

const RUN_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;

const bashThenDone = (command: string): Script => [
  [{ type: "tool_use", name: "Bash", input: { command, description: "Run a command" } }],
  [{ type: "text", text: "done" }],
];

interface World {
  sandbox: ClaudeSandbox;
  repo: TempRepo;
  store: Store;
  ccmHome: string;
  ids: { taskId: number; agentId: number };
}

async function world(baseUrl: string, stack: AsyncDisposableStack): Promise<World> {
  const sandbox = stack.use(await createClaudeSandbox({ baseUrl }));
  const repo = stack.use(await createTempRepo());
  const ccmHome = join(sandbox.root, "ccm-home");
  const store = stack.use(openStore(join(ccmHome, "ccm.db")));
  const ids = seedAgent(store, repo.dir);
  return { sandbox, repo, store, ccmHome, ids };
}

async function runWithSettings(
  w: World,
  settings: Omit<ClaudeSettingsOptions, "hook">,
  env: Record<string, string> = {},
): Promise<ClaudeRun> {
  const file = await writeSettings(
    join(w.sandbox.root, "settings.json"),
    buildClaudeSettings({ hook: { command: process.execPath, args: [HOOK_ENTRY] }, ...settings }),
  );
  return runClaude({
    cwd: w.repo.dir,
    timeoutMs: RUN_TIMEOUT_MS,
    env: {
      ...w.sandbox.env,
      CCM_HOME: w.ccmHome,
      CCM_DB: w.store.path,
      CCM_TASK_ID: String(w.ids.taskId),
      CCM_AGENT_ID: String(w.ids.agentId),
      ...env,
    },
    args: [
      "-p",
      "Run the command",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "bypassPermissions",
      "--settings",
      file,
    ],
  });
}

/** The daemon's app with the hook route on a free loopback port, closed with the stack. */
async function serveHookRoute(w: World, stack: AsyncDisposableStack, token?: string): Promise<number> {
  let port = 0;
  const app = createApp({ port: () => port, health: () => ({}) as never });
  registerHookRoute(app, {
    db: () => w.store.db,
    ccmHome: w.ccmHome,
    dbPath: w.store.path,
    ...(token === undefined ? {} : { token }),
  });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  stack.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  port = (server.address() as AddressInfo).port;
  return port;
}

function describeRun(run: ClaudeRun): string {
  return `exit=${run.exitCode} timedOut=${run.timedOut}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`;
}

function sessionOf(run: ClaudeRun): string {
  const init = run.lines.find((l) => l.type === "system" && l.subtype === "init");
  if (init?.session_id === undefined) throw new Error(`no system/init line\n${describeRun(run)}`);
  return init.session_id;
}

interface EventRow {
  task_id: number | null;
  agent_id: number | null;
  event: string;
  tool: string | null;
  session_id: string | null;
  valid: number;
  decision: string | null;
  reason: string | null;
  duration_ms: number | null;
}

function events(store: Store): EventRow[] {
  return store.db
    .prepare(
      "SELECT task_id, agent_id, event, tool, session_id, valid, decision, reason, duration_ms FROM events ORDER BY id",
    )
    .all() as unknown as EventRow[];
}

const CORE = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"];

/** An enabled automation that refuses Bash commands starting with rm; returns its path. */
function installRmGuard(ccmHome: string): string {
  const enabled = join(ccmHome, "automations", "enabled");
  mkdirSync(enabled, { recursive: true });
  const guard = join(enabled, "no-rm");
  writeFileSync(
    guard,
    [
      "#!/bin/sh",
      "# ccm-events: PreToolUse(Bash)",
      `if grep -q '"command":"rm '; then echo "ccm policy: rm is not allowed (task $CCM_TASK_ID)" >&2; exit 2; fi`,
      "exit 0",
      "",
    ].join("\n"),
  );
  chmodSync(guard, 0o755);
  return guard;
}

/** The tool_result the model got for the (single) tool call of turn 0. */
function toolResult(fake: { turnRequests(): { turn?: number; body?: unknown }[] }) {
  const turns = fake.turnRequests();
  expect(turns.map((r) => r.turn)).toEqual([0, 1]);
  const [result] = toolResultsOf(turns[1]!.body as Parameters<typeof toolResultsOf>[0]);
  return result;
}

describe("Claude Code hooks into ccm.db (real CLI, built hook entry)", () => {
  test(
    "a two-turn run records SessionStart … Stop with task, tool and session, and leaves the agent idle",
    async () => {
      await using stack = new AsyncDisposableStack();
      const fake = stack.use(await startFakeAnthropic(bashThenDone("echo hello > hello.txt")));
      const w = await world(fake.url, stack);

      const run = await runWithSettings(w, { transport: "command" });
      expect(run.timedOut, describeRun(run)).toBe(false);
      expect(run.exitCode, describeRun(run)).toBe(0);
      const session = sessionOf(run);

      const rows = events(w.store);
      const core = rows.filter((r) => CORE.includes(r.event));
      expect(core.map((r) => `${r.event}${r.tool ? `(${r.tool})` : ""}`)).toEqual([
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse(Bash)",
        "PostToolUse(Bash)",
        "Stop",
      ]);
      for (const row of rows) {
        expect(row, row.event).toMatchObject({
          task_id: w.ids.taskId,
          agent_id: w.ids.agentId,
          session_id: session,
          valid: 1,
          decision: null,
        });
        expect(row.duration_ms, row.event).toBeGreaterThan(0);
      }
      expect(rows.map((r) => r.event)).toContain("SessionEnd");
      expect(w.store.db.prepare("SELECT status, current_tool, session_id FROM agents").get()).toEqual({
        status: "idle",
        current_tool: null,
        session_id: session,
      });
      expect(existsSync(join(w.repo.dir, "hello.txt"))).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an automation that blocks rm makes PreToolUse deny; the model gets the reason as an error tool_result",
    async () => {
      await using stack = new AsyncDisposableStack();
      const fake = stack.use(await startFakeAnthropic(bashThenDone("rm -f README.md")));
      const w = await world(fake.url, stack);
      const guard = installRmGuard(w.ccmHome);

      const run = await runWithSettings(w, { transport: "command" });
      expect(run.exitCode, describeRun(run)).toBe(0);
      const reason = `ccm policy: rm is not allowed (task ${w.ids.taskId})`;

      expect(existsSync(join(w.repo.dir, "README.md")), "the tool never ran").toBe(true);
      const result = toolResult(fake);
      expect(result).toMatchObject({ is_error: true });
      expect(result?.text).toContain(reason);

      const pre = events(w.store).find((r) => r.event === "PreToolUse");
      expect(pre).toMatchObject({ tool: "Bash", decision: "block", reason });
      expect(events(w.store).map((r) => r.event)).not.toContain("PostToolUse");
      expect(
        w.store.db.prepare("SELECT task_id, script, event, decision, reason FROM automation_runs").all(),
      ).toEqual([{ task_id: w.ids.taskId, script: guard, event: "PreToolUse", decision: "block", reason }]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the http transport posts to the daemon route with the task and agent ids from the environment",
    async () => {
      await using stack = new AsyncDisposableStack();
      const fake = stack.use(await startFakeAnthropic(bashThenDone("echo hi")));
      const w = await world(fake.url, stack);
      let port = 0;
      const app = createApp({ port: () => port, health: () => ({}) as never });
      registerHookRoute(app, {
        db: () => w.store.db,
        ccmHome: w.ccmHome,
        dbPath: w.store.path,
        token: "t0ken",
      });
      const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
      stack.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
      await new Promise<void>((resolve) => server.once("listening", () => resolve()));
      port = (server.address() as AddressInfo).port;

      const run = await runWithSettings(
        w,
        { transport: "http", httpUrl: `http://127.0.0.1:${port}/hooks` },
        { CCM_HOOK_TOKEN: "t0ken" },
      );
      expect(run.exitCode, describeRun(run)).toBe(0);
      const session = sessionOf(run);
      const rows = events(w.store);
      expect(rows.filter((r) => CORE.includes(r.event)).map((r) => r.event)).toEqual(CORE);
      for (const row of rows) {
        expect(row, row.event).toMatchObject({
          task_id: w.ids.taskId,
          agent_id: w.ids.agentId,
          session_id: session,
        });
      }
      expect(w.store.db.prepare("SELECT status FROM agents").get()).toEqual({ status: "idle" });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a fail-closed PreToolUse blocks the tool with exit 2 when the hook cannot store its event",
    async () => {
      await using stack = new AsyncDisposableStack();
      const fake = stack.use(await startFakeAnthropic(bashThenDone("echo hi > hi.txt")));
      const w = await world(fake.url, stack);
      const missing = join(w.ccmHome, "gone.db");

      const run = await runWithSettings(
        w,
        { transport: "command", failClosed: ["PreToolUse"] },
        { CCM_DB: missing, CCM_FAIL_CLOSED: "PreToolUse" },
      );
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(existsSync(join(w.repo.dir, "hi.txt")), "the tool never ran").toBe(false);
      const result = toolResult(fake);
      expect(result).toMatchObject({ is_error: true });
      expect(result?.text).toContain(
        `ccm hook failed closed on PreToolUse: event not stored: no database at ${missing}`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "under the http transport an automation's deny reaches the CLI through the response body",
    async () => {
      await using stack = new AsyncDisposableStack();
      const fake = stack.use(await startFakeAnthropic(bashThenDone("rm -f README.md")));
      const w = await world(fake.url, stack);
      const guard = installRmGuard(w.ccmHome);
      const port = await serveHookRoute(w, stack);

      const run = await runWithSettings(w, { transport: "http", httpUrl: `http://127.0.0.1:${port}/hooks` });
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(existsSync(join(w.repo.dir, "README.md")), "the tool never ran").toBe(true);
      const reason = `ccm policy: rm is not allowed (task ${w.ids.taskId})`;
      const result = toolResult(fake);
      expect(result).toMatchObject({ is_error: true });
      expect(result?.text).toContain(reason);
      expect(w.store.db.prepare("SELECT script, decision, reason FROM automation_runs").all()).toEqual([
        { script: guard, decision: "block", reason },
      ]);
    },
    TEST_TIMEOUT_MS,
  );
});
