import { describe, expect, it } from "vitest";
import { tempStore } from "../store/test-helpers.js";
import type { AutomationRunner, Decision } from "./automations.js";
import { type HookRequest, handleHook, parseId } from "./handle-hook.js";
import { payloadOf, preToolUse, seedAgent } from "./test-helpers.js";

const fixed = (decision: Decision): AutomationRunner => ({ run: async () => decision });
const none = fixed({ decision: "allow", runs: [] });

function request(body: unknown, extra: Partial<HookRequest> = {}): HookRequest {
  return {
    event: "PreToolUse",
    body: typeof body === "string" ? body : JSON.stringify(body),
    taskId: null,
    agentId: null,
    env: {},
    ...extra,
  };
}

describe("handleHook", () => {
  it("stores the event, runs the automations and records their runs and the decision", async () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const seen: unknown[] = [];
    const runner: AutomationRunner = {
      run: async (input) => {
        seen.push(input);
        return {
          decision: "block",
          reason: "no rm",
          runs: [{ script: "/x/guard", decision: "block", reason: "no rm", durationMs: 4 }],
        };
      },
    };
    const outcome = await handleHook(request(preToolUse("rm -rf /"), { ...ids, env: { CCM_TASK_ID: "1" } }), {
      db: () => store.db,
      runner,
      now: () => 123,
      elapsed: () => 7.25,
    });
    expect(outcome).toMatchObject({
      event: "PreToolUse",
      decision: { decision: "block" },
      failedClosed: false,
      notes: [],
    });
    expect(seen).toEqual([
      { event: "PreToolUse", payload: preToolUse("rm -rf /"), env: { CCM_TASK_ID: "1" } },
    ]);
    expect(
      store.db.prepare("SELECT task_id, tool, decision, reason, duration_ms, at FROM events").all(),
    ).toEqual([
      { task_id: ids.taskId, tool: "Bash", decision: "block", reason: "no rm", duration_ms: 7.25, at: 123 },
    ]);
    expect(store.db.prepare("SELECT event_id, script, decision FROM automation_runs").all()).toEqual([
      { event_id: outcome.eventId, script: "/x/guard", decision: "block" },
    ]);
  });

  it("leaves decision empty when no automation ran", async () => {
    using store = tempStore();
    await handleHook(request(payloadOf("Stop"), { event: "Stop" }), {
      db: () => store.db,
      runner: none,
      elapsed: () => 1,
    });
    expect(store.db.prepare("SELECT event, decision FROM events").all()).toEqual([
      { event: "Stop", decision: null },
    ]);
    expect(store.db.prepare("SELECT count(*) AS n FROM automation_runs").get()).toEqual({ n: 0 });
  });

  it("stores a malformed payload as invalid and lets the agent go on", async () => {
    using store = tempStore();
    const outcome = await handleHook(request("{oops"), {
      db: () => store.db,
      runner: none,
      elapsed: () => 1,
    });
    expect(outcome).toMatchObject({ decision: { decision: "allow" }, failedClosed: false });
    expect(outcome.failure).toMatch(/^invalid hook payload: payload is not JSON/);
    expect(store.db.prepare("SELECT payload, valid FROM events").all()).toEqual([
      { payload: "{oops", valid: 0 },
    ]);
  });

  it("blocks a malformed payload on a fail-closed blocking event, and records why", async () => {
    using store = tempStore();
    const outcome = await handleHook(request("", { env: { CCM_FAIL_CLOSED: "PreToolUse,Stop" } }), {
      db: () => store.db,
      runner: none,
      elapsed: () => 1,
    });
    expect(outcome).toMatchObject({
      failedClosed: true,
      decision: {
        decision: "block",
        reason: "ccm hook failed closed on PreToolUse: invalid hook payload: payload is empty",
      },
    });
    expect(store.db.prepare("SELECT valid, decision FROM events").get()).toEqual({
      valid: 0,
      decision: "block",
    });
  });

  it("does not fail closed on an event that cannot block", async () => {
    const outcome = await handleHook(request("", { event: "Notification", env: { CCM_FAIL_CLOSED: "*" } }), {
      db: () => {
        throw new Error("disk full");
      },
      runner: none,
      elapsed: () => 1,
    });
    expect(outcome).toMatchObject({ failedClosed: false, decision: { decision: "allow" } });
  });

  it("lets the agent go on when the database is missing or full, still running the automations", async () => {
    let ran = false;
    const runner: AutomationRunner = {
      run: async () => {
        ran = true;
        return { decision: "allow", runs: [{ script: "a", decision: "allow", durationMs: 1 }] };
      },
    };
    const outcome = await handleHook(request(preToolUse()), {
      db: () => {
        throw new Error("no database at /nope/ccm.db");
      },
      runner,
      elapsed: () => 1,
    });
    expect(ran).toBe(true);
    expect(outcome).toMatchObject({
      eventId: null,
      decision: { decision: "allow" },
      failedClosed: false,
      notes: ["event not stored: no database at /nope/ccm.db"],
    });
  });

  it("blocks when storage fails on a fail-closed event", async () => {
    const outcome = await handleHook(request(preToolUse(), { env: { CCM_FAIL_CLOSED: "PreToolUse" } }), {
      db: () => {
        throw new Error("database or disk is full");
      },
      runner: none,
      elapsed: () => 1,
    });
    expect(outcome.decision).toMatchObject({
      decision: "block",
      reason: "ccm hook failed closed on PreToolUse: event not stored: database or disk is full",
    });
  });

  it("marks the agent idle on Stop only once the automations let it stop", async () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const status = () =>
      (store.db.prepare("SELECT status FROM agents WHERE id = ?").get(ids.agentId) as { status: string })
        .status;
    const stop = request(payloadOf("Stop", { stop_hook_active: false }), { ...ids, event: "Stop" });
    store.db.prepare("UPDATE agents SET status = 'working' WHERE id = ?").run(ids.agentId);
    let statusDuringAutomations: string | undefined;
    const block: AutomationRunner = {
      run: async () => {
        statusDuringAutomations = status();
        return {
          decision: "block",
          reason: "tests fail",
          runs: [{ script: "/x/gate", decision: "block", reason: "tests fail", durationMs: 1 }],
        };
      },
    };
    await handleHook(stop, { db: () => store.db, runner: block, elapsed: () => 1 });
    expect(statusDuringAutomations).toBe("working");
    expect(status()).toBe("working");
    await handleHook(stop, { db: () => store.db, runner: none, elapsed: () => 1 });
    expect(status()).toBe("idle");
  });

  it("survives a runner that throws", async () => {
    using store = tempStore();
    const runner: AutomationRunner = {
      run: async () => {
        throw new Error("EACCES");
      },
    };
    const outcome = await handleHook(request(preToolUse()), { db: () => store.db, runner, elapsed: () => 1 });
    expect(outcome).toMatchObject({ decision: { decision: "allow" }, notes: ["automations failed: EACCES"] });
  });
});

describe("parseId", () => {
  it.each([
    ["12", 12],
    [undefined, null],
    ["", null],
    ["0", null],
    ["-3", null],
    ["1e3", null],
    ["12abc", null],
  ])("%s → %s", (value, id) => {
    expect(parseId(value)).toBe(id);
  });
});
