import { describe, expect, it } from "vitest";
import { MAX_STORED_CHARS, parsePayload } from "./payload.js";
import { payloadOf, preToolUse, SESSION } from "./test-helpers.js";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("parsePayload", () => {
  it("accepts a documented PreToolUse payload and pulls out event, tool and session", () => {
    const parsed = parsePayload(bytes(preToolUse("ls")), "PreToolUse");
    expect(parsed).toMatchObject({
      valid: true,
      errors: [],
      event: "PreToolUse",
      tool: "Bash",
      sessionId: SESSION,
    });
    expect(JSON.parse(parsed.text)).toEqual(preToolUse("ls"));
  });

  it("takes the event from the payload when argv gives none", () => {
    expect(parsePayload(bytes(payloadOf("Stop")), undefined)).toMatchObject({ valid: true, event: "Stop" });
  });

  it.each([
    ["empty", "", /payload is empty/],
    ["whitespace", "  \n", /payload is empty/],
    ["not JSON", "garbage{", /not JSON/],
    ["a JSON array", "[1,2]", /not an object \(object\)/],
    ["JSON null", "null", /not an object \(null\)/],
    ["a JSON string", '"hi"', /not an object \(string\)/],
  ])("marks %s invalid, keeping the raw text", (_name, text, error) => {
    const parsed = parsePayload(new TextEncoder().encode(text), "PreToolUse");
    expect(parsed.valid).toBe(false);
    expect(parsed.errors.join("; ")).toMatch(error);
    expect(parsed.text).toBe(text);
    expect(parsed.event).toBe("PreToolUse");
  });

  it("marks non-UTF-8 input invalid but still parses and stores it (lossily)", () => {
    const good = bytes(payloadOf("Stop", { last_assistant_message: "caf_" }));
    const at = good.lastIndexOf("_".charCodeAt(0));
    const bad = new Uint8Array(good);
    bad[at] = 0xff;
    const parsed = parsePayload(bad, "Stop");
    expect(parsed.valid).toBe(false);
    expect(parsed.errors).toEqual(["payload is not valid UTF-8"]);
    expect(parsed.data?.last_assistant_message).toBe("caf\uFFFD");
  });

  it("cross-checks argv's event with hook_event_name", () => {
    const parsed = parsePayload(bytes(payloadOf("Stop")), "PreToolUse");
    expect(parsed.valid).toBe(false);
    expect(parsed.event).toBe("PreToolUse");
    expect(parsed.errors).toContain("hook_event_name is 'Stop' but the hook ran for 'PreToolUse'");
  });

  it("requires the common fields and, on tool events, tool_name and tool_input", () => {
    const parsed = parsePayload(
      bytes({ hook_event_name: "PreToolUse", session_id: 5, cwd: "/x", tool_input: "ls" }),
      "PreToolUse",
    );
    expect(parsed.errors).toEqual([
      "session_id is missing or not a string",
      "transcript_path is missing or not a string",
      "tool_name is missing or not a string",
      "tool_input is missing or not an object",
    ]);
    expect(parsed.sessionId).toBeNull();
  });

  it("rejects an argv event that is not an event name", () => {
    const parsed = parsePayload(bytes(payloadOf("Stop")), "Stop; rm -rf /");
    expect(parsed.valid).toBe(false);
    expect(parsed.event).toBe("Stop");
  });

  it("stores a huge payload shrunken but still valid JSON", () => {
    const big = "x".repeat(MAX_STORED_CHARS + 10);
    const input = payloadOf("PostToolUse", {
      tool_name: "Read",
      tool_input: { file_path: "/big" },
      tool_response: { content: big },
    });
    const parsed = parsePayload(bytes(input), "PostToolUse");
    expect(parsed.valid).toBe(true);
    expect(parsed.bytes).toBeGreaterThan(MAX_STORED_CHARS);
    expect(parsed.text.length).toBeLessThan(MAX_STORED_CHARS);
    const stored = JSON.parse(parsed.text);
    expect(stored).toMatchObject({ tool_name: "Read", ccm_truncated_bytes: parsed.bytes });
    expect(stored.tool_response.content).toMatch(/more chars cut by ccm\]$/);
  });

  it("keeps the head of a huge invalid payload", () => {
    const parsed = parsePayload("{".repeat(MAX_STORED_CHARS + 5), "Stop");
    expect(parsed.valid).toBe(false);
    expect(parsed.text).toHaveLength(MAX_STORED_CHARS);
  });
});
