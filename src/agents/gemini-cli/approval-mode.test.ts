import { describe, expect, test } from "vitest";
import {
  GEMINI_APPROVAL_MODES,
  parseGeminiApprovalMode,
  resolveGeminiApprovalMode,
} from "./approval-mode.js";

describe("Gemini approval modes", () => {
  test("its own modes pass through; Claude's names map to their equivalents", () => {
    for (const mode of GEMINI_APPROVAL_MODES) expect(parseGeminiApprovalMode(mode)).toBe(mode);
    expect(parseGeminiApprovalMode("bypassPermissions")).toBe("yolo");
    expect(parseGeminiApprovalMode("acceptEdits")).toBe("auto_edit");
    expect(parseGeminiApprovalMode("manual")).toBe("default");
    expect(parseGeminiApprovalMode("auto-edit")).toBe("auto_edit");
  });

  test("modes with no Gemini equivalent are refused, listing the allowed ones", () => {
    for (const mode of ["dontAsk", "auto", "sudo"]) {
      expect(() => parseGeminiApprovalMode(mode)).toThrow(
        expect.objectContaining({
          code: "INVALID_ARGUMENT",
          message: `Unknown Gemini CLI approval mode "${mode}".`,
          hint: expect.stringContaining("default, auto_edit, yolo, plan"),
        }),
      );
    }
  });

  test("read-only stages use plan", () => {
    expect(resolveGeminiApprovalMode("yolo", true)).toBe("plan");
    expect(resolveGeminiApprovalMode(undefined, false)).toBeUndefined();
  });
});
