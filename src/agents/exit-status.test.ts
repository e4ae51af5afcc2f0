import { describe, expect, test } from "vitest";
import { describeExit, exitedCleanly, stderrSummary } from "./exit-status.js";

describe("describeExit", () => {
  test.each([
    [{ code: 1, signal: null }, "exited with code 1"],
    [
      { code: 143, signal: null },
      "was ended by SIGTERM (exit 143; stopped from outside: a timeout, a cancel or a shutdown)",
    ],
    [
      { code: null, signal: "SIGTERM" },
      "was ended by SIGTERM (stopped from outside: a timeout, a cancel or a shutdown)",
    ],
    [{ code: 130, signal: null }, "was ended by SIGINT (exit 130; interrupted)"],
    [{ code: null, signal: "SIGUSR2" }, "was ended by SIGUSR2"],
    [{ code: null, signal: null }, "ended without an exit code"],
  ])("%j → %s", (exit, text) => {
    expect(describeExit(exit)).toBe(text);
  });

  test("only code 0 without a signal is clean", () => {
    expect(exitedCleanly({ code: 0, signal: null })).toBe(true);
    expect(exitedCleanly({ code: 0, signal: "SIGTERM" })).toBe(false);
    expect(exitedCleanly({ code: null, signal: null })).toBe(false);
  });
});

describe("stderrSummary", () => {
  test("prefers the line that says what went wrong, strips colours, and is empty-safe", () => {
    const stderr =
      "Warning: 256-color support not detected.\n\u001b[31mGemini CLI is not running in a trusted directory.\u001b[0m\nsee docs\n";
    expect(stderrSummary({ code: 55, signal: null, stderr })).toBe(
      "Gemini CLI is not running in a trusted directory.",
    );
    expect(
      stderrSummary({ code: 1, signal: null, stderr: "Warning: slow terminal\nsomething broke\n" }),
    ).toBe("something broke");
    expect(stderrSummary({ code: 1, signal: null, stderr: "Unknown argument: frob\nUsage: gemini\n" })).toBe(
      "Unknown argument: frob",
    );
    expect(stderrSummary({ code: 1, signal: null })).toBeUndefined();
    expect(stderrSummary({ code: 1, signal: null, stderr: "\n \n" })).toBeUndefined();
  });
});
