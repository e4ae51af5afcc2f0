import { describe, expect, test } from "vitest";
import { configSchema } from "../config/schema.js";
import { knownAgents, resolveAdapter } from "./registry.js";

const deps = { writeClaudeSettings: async () => "/run/settings.json" };

function config(agents: unknown = {}) {
  return configSchema.parse({ agents });
}

describe("resolveAdapter", () => {
  test("built-in agents, with their configured command and arguments", async () => {
    const cfg = config({ claude_code: { command: "/opt/claude", args: ["--model", "sonnet"] } });
    const claude = resolveAdapter("claude-code", cfg, deps);
    expect(claude).toMatchObject({ kind: "claude-code", name: "claude-code" });
    const spec = await claude.launch({
      taskId: 1,
      agentId: 1,
      stage: "executing",
      prompt: "p",
      cwd: "/w",
      runDir: "/r",
      mode: "headless",
      readOnly: false,
      hook: { command: "node", args: [] },
      env: {},
    });
    expect(spec.command).toBe("/opt/claude");
    expect(spec.args).toContain("sonnet");
    expect(resolveAdapter("gemini-cli", cfg, deps)).toMatchObject({ kind: "gemini-cli" });
  });

  test("custom agents by their key", () => {
    const cfg = config({ custom: { aider: { command: ["aider", "--yes"], prompt_via: "stdin" } } });
    expect(resolveAdapter("aider", cfg, deps)).toMatchObject({ kind: "custom", name: "aider" });
  });

  test("an unknown name is a clear error listing the known agents", () => {
    const cfg = config({ custom: { zeta: { command: ["z"] }, aider: { command: ["aider"] } } });
    expect(() => resolveAdapter("claude", cfg, deps)).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        message: 'Unknown agent "claude".',
        hint: expect.stringContaining("Known agents: claude-code, gemini-cli, demo, aider, zeta."),
        details: { agent: "claude", known: ["claude-code", "gemini-cli", "demo", "aider", "zeta"] },
      }),
    );
    expect(() => resolveAdapter("constructor", cfg, deps)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(knownAgents(config())).toEqual(["claude-code", "gemini-cli", "demo"]);
  });

  test("a custom agent may not take a built-in's name", () => {
    const cfg = config({ custom: { "claude-code": { command: ["my-claude"] } } });
    expect(() => resolveAdapter("claude-code", cfg, deps)).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });

  test("reserved flags in the config are reported as a configuration error", () => {
    const cfg = config({ gemini_cli: { args: ["--output-format", "json"] } });
    expect(() => resolveAdapter("gemini-cli", cfg, deps)).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringContaining("agents.gemini_cli.args"),
      }),
    );
  });
});
