import { describe, expect, test } from "vitest";
import { buildGeminiCommand } from "./command.js";

const TRICKY = `-x "quoted" 'single' $HOME\nsecond line; --yolo`;

describe("buildGeminiCommand", () => {
  test("headless: the prompt as --prompt=…, stream-json, skip-trust", () => {
    expect(buildGeminiCommand({ mode: "headless", prompt: "Fix it", extraArgs: [] })).toEqual({
      args: ["--prompt=Fix it", "-o", "stream-json", "--skip-trust"],
    });
  });

  test("a prompt with dashes, quotes and newlines stays one argument, after --prompt=", () => {
    const { args } = buildGeminiCommand({ mode: "headless", prompt: TRICKY, extraArgs: [] });
    expect(args[0]).toBe(`--prompt=${TRICKY}`);
    expect(args.filter((arg) => arg.includes("second line"))).toHaveLength(1);
  });

  test("approval mode, resume and extra arguments", () => {
    expect(
      buildGeminiCommand({
        mode: "hybrid",
        prompt: "next",
        approvalMode: "plan",
        resumeSessionId: "af9d92af-8ee8-4b16-8a90-8fa10f252d3a",
        extraArgs: ["-m", "flash"],
      }).args,
    ).toEqual([
      "--prompt=next",
      "-o",
      "stream-json",
      "--approval-mode",
      "plan",
      "--resume",
      "af9d92af-8ee8-4b16-8a90-8fa10f252d3a",
      "--skip-trust",
      "-m",
      "flash",
    ]);
  });

  test("a long prompt goes on stdin with an empty --prompt=", () => {
    const prompt = "y".repeat(2000);
    expect(buildGeminiCommand({ mode: "headless", prompt, extraArgs: [], maxPromptArgBytes: 1000 })).toEqual({
      args: ["--prompt=", "-o", "stream-json", "--skip-trust"],
      stdin: prompt,
    });
  });

  test("interactive: the TUI, trusted, with the prompt to type", () => {
    expect(
      buildGeminiCommand({ mode: "interactive", prompt: TRICKY, approvalMode: "yolo", extraArgs: [] }),
    ).toEqual({
      args: ["--approval-mode", "yolo", "--skip-trust"],
      initialInput: TRICKY,
    });
  });
});
