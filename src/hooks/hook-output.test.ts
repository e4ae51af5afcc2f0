import { describe, expect, it } from "vitest";
import type { Decision } from "./automations.js";
import { commandResponse, httpResponseBody } from "./hook-output.js";

const block = (reason?: string, output?: Decision["output"]): Decision => ({
  decision: "block",
  ...(reason === undefined ? {} : { reason }),
  ...(output === undefined ? {} : { output }),
  runs: [],
});
const allow: Decision = { decision: "allow", runs: [] };

describe("commandResponse", () => {
  it("prints nothing and exits 0 when there is nothing to say", () => {
    expect(commandResponse("PreToolUse", allow)).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  });

  it("denies a PreToolUse with permissionDecision and the reason for Claude", () => {
    const response = commandResponse(
      "PreToolUse",
      block("no rm", {
        hookSpecificOutput: { additionalContext: "see policy", updatedInput: { command: "x" } },
      }),
    );
    expect(response.exitCode).toBe(0);
    expect(JSON.parse(response.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: "no rm",
        additionalContext: "see policy",
      },
    });
  });

  it.each([
    "Stop",
    "SubagentStop",
    "UserPromptSubmit",
    "PostToolUse",
    "PreCompact",
    "ConfigChange",
    "TaskCreated",
  ])("blocks %s with decision: block and a reason", (event) => {
    const response = commandResponse(event, block("keep going: tests fail"));
    expect(JSON.parse(response.stdout)).toEqual({ decision: "block", reason: "keep going: tests fail" });
    expect(response.exitCode).toBe(0);
  });

  it("denies a PermissionRequest through hookSpecificOutput.decision (exit 2 is ignored there)", () => {
    const response = commandResponse("PermissionRequest", block("not here"), { failedClosed: true });
    expect(response.exitCode).toBe(0);
    expect(JSON.parse(response.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: { behavior: "deny", message: "not here" },
      },
    });
  });

  it("declines an Elicitation", () => {
    expect(JSON.parse(commandResponse("Elicitation", block("no")).stdout)).toEqual({
      hookSpecificOutput: { hookEventName: "Elicitation", action: "decline" },
    });
  });

  it.each(["TeammateIdle", "TaskCompleted"])("blocks %s by exit 2 with the reason on stderr", (event) => {
    expect(commandResponse(event, block("not done"))).toEqual({
      stdout: "",
      stderr: "not done\n",
      exitCode: 2,
    });
  });

  it("uses exit 2 and stderr when the hook itself failed closed", () => {
    expect(commandResponse("PreToolUse", block("ccm hook failed closed"), { failedClosed: true })).toEqual({
      stdout: "",
      stderr: "ccm hook failed closed\n",
      exitCode: 2,
    });
  });

  it("cannot block an observe-only event: exits 0 and says so on stderr", () => {
    const response = commandResponse("Notification", block("x"));
    expect(response).toEqual({
      stdout: "",
      stderr: "ccm: Notification cannot be blocked; ignored: x\n",
      exitCode: 0,
    });
  });

  it("passes a non-blocking output through", () => {
    const output = { hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "hi" } };
    expect(commandResponse("SessionStart", { decision: "context", output, runs: [] })).toEqual({
      stdout: JSON.stringify(output),
      stderr: "",
      exitCode: 0,
    });
  });
});

describe("httpResponseBody", () => {
  it("is empty for nothing to say and the same JSON as stdout otherwise", () => {
    expect(httpResponseBody("PreToolUse", allow)).toBeUndefined();
    expect(httpResponseBody("Stop", block("again"))).toEqual({ decision: "block", reason: "again" });
  });

  it("answers exit-code-only events with decision: block as a best effort", () => {
    expect(httpResponseBody("TaskCompleted", block("not done"))).toEqual({
      decision: "block",
      reason: "not done",
    });
  });
});
