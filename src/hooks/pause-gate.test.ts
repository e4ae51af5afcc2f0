import { describe, expect, it } from "vitest";
import { tempStore } from "../store/test-helpers.js";
import { type HookRequest, handleHook } from "./handle-hook.js";
import { commandResponse } from "./hook-output.js";
import { payloadOf, seedAgent } from "./test-helpers.js";

const none = { run: async () => ({ decision: "allow" as const, runs: [] }) };

function postToolUse(ids: { taskId: number; agentId: number }): HookRequest {
  const body = payloadOf("PostToolUse", {
    tool_name: "Bash",
    tool_input: { command: "make" },
    tool_response: { stdout: "", stderr: "" },
    tool_use_id: "toolu_1",
  });
  return { event: "PostToolUse", body: JSON.stringify(body), ...ids, env: {} };
}

describe("the pause gate", () => {
  it("answers continue:false after a tool call once the task is asked to pause, and stamps the agent", async () => {
    using store = tempStore();
    const ids = seedAgent(store);
    const deps = { db: () => store.db, runner: none, now: () => 500, elapsed: () => 1 };
    const before = await handleHook(postToolUse(ids), deps);
    expect(commandResponse(before.event, before.decision).stdout).toBe("");

    store.db
      .prepare("UPDATE tasks SET pause_request = ? WHERE id = ?")
      .run(JSON.stringify({ reason: "quota critical", actor: "quota", kind: "quota", at: 1 }), ids.taskId);
    // PreToolUse is not gated: the tool about to run is left alone until it finished.
    const pre = await handleHook(
      {
        ...postToolUse(ids),
        event: "PreToolUse",
        body: JSON.stringify(
          payloadOf("PreToolUse", { tool_name: "Bash", tool_input: { command: "make" }, tool_use_id: "t" }),
        ),
      },
      deps,
    );
    expect(pre.decision.output).toBeUndefined();

    const after = await handleHook(postToolUse(ids), deps);
    const response = commandResponse(after.event, after.decision);
    expect(response.exitCode).toBe(0);
    expect(JSON.parse(response.stdout)).toEqual({
      continue: false,
      stopReason: "ccm: task paused (quota critical); it resumes from here later",
    });
    expect(store.db.prepare("SELECT gate_stopped_at FROM agents WHERE id = ?").get(ids.agentId)).toEqual({
      gate_stopped_at: 500,
    });
  });

  it("leaves interactive agents alone (they pause at the end of their turn)", async () => {
    using store = tempStore();
    const ids = seedAgent(store);
    store.db.prepare("UPDATE agents SET mode = 'interactive' WHERE id = ?").run(ids.agentId);
    store.db
      .prepare("UPDATE tasks SET pause_request = ? WHERE id = ?")
      .run(JSON.stringify({ reason: "r", actor: "cli", kind: "manual", at: 1 }), ids.taskId);
    const out = await handleHook(postToolUse(ids), { db: () => store.db, runner: none, elapsed: () => 1 });
    expect(out.decision.output).toBeUndefined();
  });
});
