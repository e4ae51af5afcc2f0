import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { payloadOf, preToolUse, seedAgent } from "../hooks/test-helpers.js";
import { buildGuardFile } from "../safety/guard-file.js";
import type { Store } from "../store/db.js";
import { tempStore } from "../store/test-helpers.js";
import { createApp } from "./app.js";
import { registerHookRoute } from "./hooks-route.js";

const PORT = 7777;

function setup(store: Store & { dir: string }, token?: string) {
  const app = createApp({ port: () => PORT, health: () => ({}) as never });
  const notes: string[] = [];
  registerHookRoute(app, {
    db: () => store.db,
    ccmHome: join(store.dir, "home"),
    dbPath: store.path,
    baseEnv: { PATH: process.env.PATH },
    onNote: (note) => notes.push(note),
    ...(token === undefined ? {} : { token }),
  });
  return { app, notes };
}

function post(
  app: ReturnType<typeof setup>["app"],
  event: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(`/hooks/${event}`, {
    method: "POST",
    headers: { host: `127.0.0.1:${PORT}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function guard(store: Store & { dir: string }) {
  const dir = join(store.dir, "home", "automations", "enabled");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "no-rm");
  writeFileSync(
    path,
    `#!/bin/sh\n# ccm-events: PreToolUse(Bash)\ngrep -q '"rm ' && { echo "task $CCM_TASK_ID may not rm" >&2; exit 2; }\nexit 0\n`,
  );
  chmodSync(path, 0o755);
}

describe("POST /hooks/:event", () => {
  it("runs the built-in guard like the command hook: a write outside the worktree is denied", async () => {
    using store = tempStore();
    const ids = seedAgent(store, store.dir);
    const runDir = join(store.dir, "run");
    const worktree = join(store.dir, "wt");
    mkdirSync(runDir);
    mkdirSync(worktree);
    store.db.prepare("UPDATE agents SET run_dir = ? WHERE id = ?").run(runDir, ids.agentId);
    const guardFile = buildGuardFile({
      worktree,
      home: store.dir,
      ccmHome: join(store.dir, "home"),
      projectDir: store.dir,
      enabled: true,
      allowWrite: [],
      allowRead: [],
      denyRead: [],
    });
    writeFileSync(join(runDir, "guard.json"), JSON.stringify(guardFile));
    // As stage-start leaves it: the agent's environment, with the guard file, in the run's spec.
    const spec = (dir: string) =>
      JSON.stringify({ env: { CCM_GUARD_FILE: join(dir, "guard.json"), CCM_WORKTREE: worktree } });
    writeFileSync(join(runDir, "spec.json"), spec(runDir));
    const { app } = setup(store);
    const headers = { "x-ccm-task-id": String(ids.taskId), "x-ccm-agent-id": String(ids.agentId) };
    const write = (path: string) =>
      payloadOf("PreToolUse", {
        cwd: worktree,
        tool_name: "Write",
        tool_input: { file_path: path, content: "x" },
      });
    const outside = (await (await post(app, "PreToolUse", write("/etc/cron.d/evil"), headers)).json()) as {
      hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
    };
    expect(outside.hookSpecificOutput.permissionDecision).toBe("deny");
    expect(outside.hookSpecificOutput.permissionDecisionReason).toContain("/etc/cron.d/evil");
    expect(await (await post(app, "PreToolUse", write(join(worktree, "ok.txt")), headers)).text()).toBe("");
    // Another run whose guard file is broken: every PreToolUse is denied (fail closed), as in the command hook.
    const brokenRun = join(store.dir, "run2");
    mkdirSync(brokenRun);
    writeFileSync(join(brokenRun, "guard.json"), "{not json");
    writeFileSync(join(brokenRun, "spec.json"), spec(brokenRun));
    const other = store.db
      .prepare(
        "INSERT INTO agents (task_id, stage, kind, mode, status, run_dir, started_at) VALUES (?, 'executing', 'claude-code', 'headless', 'working', ?, 0)",
      )
      .run(ids.taskId, brokenRun);
    const otherHeaders = { ...headers, "x-ccm-agent-id": String(other.lastInsertRowid) };
    const closed = (await (
      await post(app, "PreToolUse", write(join(worktree, "ok.txt")), otherHeaders)
    ).json()) as {
      hookSpecificOutput: { permissionDecision: string };
    };
    expect(closed.hookSpecificOutput.permissionDecision).toBe("deny");
  });

  it("stores the event with the task and agent from the headers and answers an empty 200", async () => {
    using store = tempStore();
    const ids = seedAgent(store, store.dir);
    const { app } = setup(store);
    const response = await post(app, "PreToolUse", preToolUse("ls"), {
      "x-ccm-task-id": String(ids.taskId),
      "x-ccm-agent-id": String(ids.agentId),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(store.db.prepare("SELECT task_id, agent_id, event, tool, valid FROM events").all()).toEqual([
      { task_id: ids.taskId, agent_id: ids.agentId, event: "PreToolUse", tool: "Bash", valid: 1 },
    ]);
    expect(store.db.prepare("SELECT status, current_tool FROM agents").get()).toEqual({
      status: "working",
      current_tool: "Bash",
    });
  });

  it("answers a blocking automation with the PreToolUse deny JSON and records the run", async () => {
    using store = tempStore();
    const ids = seedAgent(store, store.dir);
    guard(store);
    const { app } = setup(store);
    const response = await post(app, "PreToolUse", preToolUse("rm -rf build"), {
      "x-ccm-task-id": String(ids.taskId),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: `task ${ids.taskId} may not rm`,
      },
    });
    expect(store.db.prepare("SELECT decision, reason FROM automation_runs").all()).toEqual([
      { decision: "block", reason: `task ${ids.taskId} may not rm` },
    ]);
  });

  it("stores a malformed body as invalid; fails closed only when the header says so", async () => {
    using store = tempStore();
    const { app } = setup(store);
    expect(await (await post(app, "Stop", "{nope")).text()).toBe("");
    const closed = await post(app, "Stop", "{nope", { "x-ccm-fail-closed": "Stop" });
    expect(await closed.json()).toEqual({
      decision: "block",
      reason: expect.stringMatching(/^ccm hook failed closed on Stop: invalid hook payload/),
    });
    expect(store.db.prepare("SELECT valid FROM events").all()).toEqual([{ valid: 0 }, { valid: 0 }]);
  });

  it("keeps the Host check, refuses browsers (Origin) and, with a token, unauthenticated calls", async () => {
    using store = tempStore();
    const { app } = setup(store, "s3cret");
    const evil = await app.request("/hooks/Stop", {
      method: "POST",
      headers: { host: "evil.example:7777" },
      body: JSON.stringify(payloadOf("Stop")),
    });
    expect(evil.status).toBe(403);
    expect((await post(app, "Stop", payloadOf("Stop"), { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(app, "Stop", payloadOf("Stop"))).status).toBe(401);
    expect((await post(app, "Stop", payloadOf("Stop"), { authorization: "Bearer s3cret" })).status).toBe(200);
    expect(store.db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
  });

  it("reports storage failures as notes and still answers 200", async () => {
    using store = tempStore();
    const { app, notes } = setup(store);
    store.db.exec("DROP TABLE events");
    const response = await post(app, "Stop", payloadOf("Stop"));
    expect(response.status).toBe(200);
    expect(notes).toEqual([expect.stringMatching(/^event not stored: no such table: events/)]);
  });
});
