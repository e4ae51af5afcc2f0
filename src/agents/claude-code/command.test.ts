import { describe, expect, test } from "vitest";
import { buildClaudeCommand } from "./command.js";

const base = { settingsPath: "/run/settings.json", extraArgs: [] as string[] };
const TRICKY = `--model opus "quoted" 'single' $HOME \`cmd\`\nsecond line; rm -rf /`;

describe("buildClaudeCommand", () => {
  test("headless: print mode, stream-json, verbose, settings, then the prompt after --", () => {
    expect(buildClaudeCommand({ ...base, mode: "headless", prompt: "Fix the bug" })).toEqual({
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--settings",
        "/run/settings.json",
        "--",
        "Fix the bug",
      ],
    });
  });

  test("a prompt with quotes, newlines, shell syntax and leading dashes stays one argument, untouched", () => {
    const { args } = buildClaudeCommand({ ...base, mode: "headless", prompt: TRICKY });
    expect(args.at(-1)).toBe(TRICKY);
    expect(args.at(-2)).toBe("--");
    expect(args.filter((arg) => arg === TRICKY)).toHaveLength(1);
  });

  test("permission mode, resume and extra arguments come before --, so a variadic flag cannot eat the prompt", () => {
    const { args } = buildClaudeCommand({
      ...base,
      mode: "hybrid",
      prompt: "go on",
      permissionMode: "plan",
      resumeSessionId: "3b4525ce-0000-4000-8000-000000000000",
      extraArgs: ["--model", "sonnet", "--add-dir", "/shared"],
    });
    expect(args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--settings",
      "/run/settings.json",
      "--permission-mode",
      "plan",
      "--resume",
      "3b4525ce-0000-4000-8000-000000000000",
      "--model",
      "sonnet",
      "--add-dir",
      "/shared",
      "--",
      "go on",
    ]);
  });

  test("a prompt over the limit goes on stdin instead (counted in UTF-8 bytes)", () => {
    const prompt = "é".repeat(600); // 1200 bytes, 600 characters
    const built = buildClaudeCommand({ ...base, mode: "headless", prompt, maxPromptArgBytes: 1000 });
    expect(built.stdin).toBe(prompt);
    expect(built.args).not.toContain("--");
    expect(built.args).not.toContain(prompt);
    expect(
      buildClaudeCommand({ ...base, mode: "headless", prompt, maxPromptArgBytes: 1200 }).stdin,
    ).toBeUndefined();
  });

  test("the default limit keeps the command well under tmux's 16 KiB", () => {
    expect(
      buildClaudeCommand({ ...base, mode: "headless", prompt: "x".repeat(8 * 1024) }).stdin,
    ).toBeUndefined();
    expect(
      buildClaudeCommand({ ...base, mode: "headless", prompt: "x".repeat(8 * 1024 + 1) }).stdin,
    ).toBeDefined();
  });

  test("interactive: the TUI with the same settings; the prompt is typed in later", () => {
    expect(
      buildClaudeCommand({ ...base, mode: "interactive", prompt: TRICKY, permissionMode: "acceptEdits" }),
    ).toEqual({
      args: ["--settings", "/run/settings.json", "--permission-mode", "acceptEdits"],
      initialInput: TRICKY,
    });
  });
});
