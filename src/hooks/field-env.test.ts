import { describe, expect, it } from "vitest";
import { fieldEnv } from "./field-env.js";

describe("fieldEnv", () => {
  it("exports small scalars by path, skips big, NUL-holding and oddly named ones", () => {
    const env = fieldEnv({
      tool_name: "Bash",
      tool_input: { command: "ls\n-la", timeout: 5, flag: true, content: "x".repeat(9000), bad: "a\0b" },
      edits: [{ old_string: "o" }],
      "odd-key": "v",
      nested: { a: { b: { c: { d: "too deep" } } } },
      nothing: null,
    });
    expect(env).toEqual({
      CCM_FIELDS: "1",
      CCM_F_tool_name: "Bash",
      CCM_F_tool_input__command: "ls\n-la",
      CCM_F_tool_input__timeout: "5",
      CCM_F_tool_input__flag: "true",
      CCM_F_edits__0__old_string: "o",
    });
  });

  it("stops at 64 KiB in all", () => {
    const payload = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, "y".repeat(8000)]));
    const size = Object.values(fieldEnv(payload)).reduce((sum, v) => sum + v.length, 0);
    expect(size).toBeLessThanOrEqual(64 * 1024);
    expect(size).toBeGreaterThan(48 * 1024);
  });
});
