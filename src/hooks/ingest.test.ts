import { describe, expect, it } from "vitest";
import type { Store } from "../store/db.js";
import { tempStore } from "../store/test-helpers.js";
import { agentUpdateOf, eventRowOf, ingestEvent, recordDecision } from "./ingest.js";
import { parsePayload } from "./payload.js";
import { payloadOf, preToolUse, SESSION, seedAgent } from "./test-helpers.js";

function parse(payload: Record<string, unknown>, event?: string) {
  return parsePayload(JSON.stringify(payload), event ?? String(payload.hook_event_name));
}

function agent(store: Store, id: number) {
  return store.db
    .prepare("SELECT status, current_tool, session_id, last_event_at FROM agents WHERE id = ?")
    .get(id);
}

function ingest(
  store: Store,
  ids: { taskId: number; agentId: number },
  payload: Record<string, unknown>,
  at: number,
) {
  const parsed = parse(payload);
  return ingestEvent(store.db, eventRowOf(parsed, { ...ids, at, durationMs: 1.5 }), agentUpdateOf(parsed));
}

describe("agentUpdateOf", () => {
  it.each([
    [preToolUse(), { status: "working", currentTool: "Bash" }],
    [payloadOf("PostToolUse", { tool_name: "Bash", tool_input: {} }), { currentTool: null }],
    [payloadOf("PostToolUseFailure", { tool_name: "Bash", tool_input: {} }), { currentTool: null }],
    [payloadOf("UserPromptSubmit", { prompt: "x" }), { status: "working" }],
    [payloadOf("Stop"), { status: "idle", currentTool: null }],
    [payloadOf("Notification", { notification_type: "permission_prompt" }), { status: "waiting" }],
    [payloadOf("Notification", { notification_type: "idle_prompt" }), { status: "waiting" }],
    [payloadOf("Notification", { notification_type: "agent_needs_input" }), { status: "waiting" }],
    [payloadOf("Notification", { notification_type: "auth_success" }), {}],
    [payloadOf("SessionStart", { source: "startup" }), { sessionId: SESSION }],
    [payloadOf("SessionEnd", { reason: "other" }), {}],
  ])("%#: %o", (payload, update) => {
    expect(agentUpdateOf(parse(payload))).toEqual(update);
  });
});

describe("ingestEvent", () => {
  it("stores the normalised row and updates the agent in the same transaction", () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const id = ingest(store, ids, payloadOf("SessionStart", { source: "startup" }), 1000);
    ingest(store, ids, preToolUse("ls"), 1001);

    const row = store.db.prepare("SELECT * FROM events WHERE id = ?").get(id);
    expect(row).toMatchObject({
      task_id: ids.taskId,
      agent_id: ids.agentId,
      source: "hook",
      event: "SessionStart",
      tool: null,
      session_id: SESSION,
      valid: 1,
      decision: null,
      reason: null,
      duration_ms: 1.5,
      at: 1000,
    });
    expect(JSON.parse(String(row?.payload))).toMatchObject({ source: "startup" });
    expect(agent(store, ids.agentId)).toEqual({
      status: "working",
      current_tool: "Bash",
      session_id: SESSION,
      last_event_at: 1001,
    });

    ingest(store, ids, payloadOf("PostToolUse", { tool_name: "Bash", tool_input: {} }), 1002);
    expect(agent(store, ids.agentId)).toMatchObject({ status: "working", current_tool: null });
    ingest(store, ids, payloadOf("Notification", { notification_type: "idle_prompt", message: "?" }), 1003);
    expect(agent(store, ids.agentId)).toMatchObject({ status: "waiting", last_event_at: 1003 });
    ingest(store, ids, payloadOf("Stop"), 1004);
    expect(agent(store, ids.agentId)).toMatchObject({
      status: "idle",
      current_tool: null,
      last_event_at: 1004,
    });
  });

  it("stores an invalid payload with its raw text, valid = 0 and what was wrong", () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const parsed = parsePayload("not json", "PreToolUse");
    const id = ingestEvent(
      store.db,
      eventRowOf(parsed, { ...ids, at: 5, durationMs: null }),
      agentUpdateOf(parsed),
    );
    expect(store.db.prepare("SELECT event, payload, valid, reason FROM events WHERE id = ?").get(id)).toEqual(
      {
        event: "PreToolUse",
        payload: "not json",
        valid: 0,
        reason: expect.stringMatching(/^payload is not JSON/),
      },
    );
  });

  it("never revives an agent the daemon marked exited, but still stamps last_event_at", () => {
    using store = tempStore();
    const ids = seedAgent(store);
    store.db.prepare("UPDATE agents SET status = 'exited' WHERE id = ?").run(ids.agentId);
    ingest(store, ids, preToolUse(), 2000);
    expect(agent(store, ids.agentId)).toMatchObject({
      status: "exited",
      current_tool: "Bash",
      last_event_at: 2000,
    });
  });

  it("stores events with no task or agent (a hook run outside ccm's launch)", () => {
    using store = tempStore();
    const id = ingest(store, { taskId: null, agentId: null } as never, payloadOf("Stop"), 1);
    expect(store.db.prepare("SELECT task_id, agent_id FROM events WHERE id = ?").get(id)).toEqual({
      task_id: null,
      agent_id: null,
    });
  });

  it("rolls back the event when the agent update fails", () => {
    using store = tempStore();
    const ids = seedAgent(store);
    store.db.exec("CREATE TRIGGER no_update BEFORE UPDATE ON agents BEGIN SELECT RAISE(ABORT, 'nope'); END");
    expect(() => ingest(store, ids, preToolUse(), 1)).toThrow(/nope/);
    expect(store.db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
    expect(store.db.isTransaction).toBe(false);
  });
});

describe("recordDecision", () => {
  it("writes one automation_runs row per run and the decision on the event", () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const eventId = ingest(store, ids, preToolUse("rm -rf /"), 10);
    recordDecision(
      store.db,
      { eventId, taskId: ids.taskId, event: "PreToolUse", at: 11, durationMs: 42 },
      {
        decision: "block",
        reason: "no rm",
        runs: [
          { script: "/a/guard", decision: "block", reason: "no rm", durationMs: 3 },
          { script: "/a/log", decision: "allow", durationMs: 2 },
        ],
      },
    );
    expect(store.db.prepare("SELECT * FROM automation_runs ORDER BY id").all()).toEqual([
      expect.objectContaining({
        event_id: eventId,
        task_id: ids.taskId,
        script: "/a/guard",
        event: "PreToolUse",
        decision: "block",
        reason: "no rm",
        duration_ms: 3,
        at: 11,
      }),
      expect.objectContaining({ script: "/a/log", decision: "allow", reason: null }),
    ]);
    expect(
      store.db.prepare("SELECT decision, reason, duration_ms FROM events WHERE id = ?").get(eventId),
    ).toEqual({
      decision: "block",
      reason: "no rm",
      duration_ms: 42,
    });
  });
});
