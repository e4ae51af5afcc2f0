import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { buildGeminiHookSettings, GEMINI_HOOK_EVENTS, mapGeminiHookEvent, shellCommand } from "./hooks.js";

describe("mapGeminiHookEvent", () => {
  test.each([
    ["SessionStart", "SessionStart"],
    ["SessionEnd", "SessionEnd"],
    ["BeforeAgent", "UserPromptSubmit"],
    ["AfterAgent", "Stop"],
    ["BeforeTool", "PreToolUse"],
    ["AfterTool", "PostToolUse"],
    ["PreCompress", "PreCompact"],
    ["Notification", "Notification"],
  ])("%s → %s", (gemini, ours) => {
    expect(mapGeminiHookEvent(gemini)).toBe(ours);
  });

  test("model-level events, unknown names and prototype keys map to nothing", () => {
    for (const name of ["BeforeModel", "AfterModel", "BeforeToolSelection", "PreToolUse", "toString", ""]) {
      expect(mapGeminiHookEvent(name), name).toBeUndefined();
    }
  });
});

describe("buildGeminiHookSettings", () => {
  const hook = { command: "/opt/node 24/bin/node", args: ["/opt/ccm's/dist/hooks/entry.js"] };
  const settings = buildGeminiHookSettings(hook, { CCM_TASK_ID: "7", CCM_DB: "/home/u/.ccm/ccm.db" });

  test("one command hook per followed event, none for the model-level ones", () => {
    expect(Object.keys(settings.hooks).sort()).toEqual(
      GEMINI_HOOK_EVENTS.filter((event) => mapGeminiHookEvent(event) !== undefined).sort(),
    );
    expect(settings.hooks.BeforeTool).toEqual([
      {
        hooks: [
          {
            type: "command",
            name: "ccm-BeforeTool",
            command: "'/opt/node 24/bin/node' '/opt/ccm'\\''s/dist/hooks/entry.js' PreToolUse",
            timeout: 600_000,
            env: { CCM_TASK_ID: "7", CCM_DB: "/home/u/.ccm/ccm.db", CCM_HOOK_AGENT: "gemini-cli" },
            description: "ccm: records BeforeTool as PreToolUse",
          },
        ],
      },
    ]);
  });

  test("the quoted command gives the shell back exactly the original words", () => {
    const words = [
      "/opt/node 24/node",
      "it's",
      'a "b"',
      "$HOME",
      "`x`",
      "tab\there",
      "new\nline",
      "plain-1.0",
    ];
    const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${shellCommand(words)}`], {
      encoding: "utf8",
    });
    expect(out.split("\0").slice(0, -1)).toEqual(words);
  });

  test("words Gemini would rewrite even inside quotes are refused", () => {
    expect(() => shellCommand(["/x/$GEMINI_PROJECT_DIR/node"])).toThrow(/GEMINI_PROJECT_DIR/);
  });
});
