import { describe, expect, test } from "vitest";
import { CcmError } from "../../errors.js";
import {
  CLAUDE_PERMISSION_MODES,
  parseClaudePermissionMode,
  resolveClaudePermissionMode,
} from "./permission-mode.js";

describe("Claude Code permission modes", () => {
  test("every mode of the reference passes through unchanged", () => {
    for (const mode of CLAUDE_PERMISSION_MODES) expect(parseClaudePermissionMode(mode)).toBe(mode);
  });

  test.each([
    ["manual", "default"],
    ["Manual", "default"],
    ["accept-edits", "acceptEdits"],
    ["bypass_permissions", "bypassPermissions"],
    ["DONTASK", "dontAsk"],
    ["yolo", "bypassPermissions"],
    ["auto_edit", "acceptEdits"],
  ])("%s is read as %s", (input, expected) => {
    expect(parseClaudePermissionMode(input)).toBe(expected);
  });

  test("an unknown mode is refused, naming the allowed ones", () => {
    let error: unknown;
    try {
      parseClaudePermissionMode("bypass");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CcmError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: 'Unknown Claude Code permission mode "bypass".',
      hint: "Use one of: acceptEdits, auto, bypassPermissions, default, dontAsk, plan (manual means default).",
    });
  });

  test("read-only stages run in plan whatever is configured; nothing configured passes no flag", () => {
    expect(resolveClaudePermissionMode("bypassPermissions", true)).toBe("plan");
    expect(resolveClaudePermissionMode(undefined, true)).toBe("plan");
    expect(resolveClaudePermissionMode("acceptEdits", false)).toBe("acceptEdits");
    expect(resolveClaudePermissionMode(undefined, false)).toBeUndefined();
  });

  test("a bad configured mode is refused even on a read-only stage, so it shows up on the first run", () => {
    expect(() => resolveClaudePermissionMode("nope", true)).toThrow(CcmError);
  });
});
