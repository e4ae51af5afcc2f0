import { describe, expect, it } from "vitest";
import { COMMAND_HOOK_EVENTS } from "../../hooks/events.js";
import { buildClaudeSettings, DEFAULT_HOOK_EVENTS, shellQuote } from "./settings.js";

const hook = { command: "/opt/node/bin/node", args: ["/pkg dir/dist/hooks/entry.js"] };

describe("buildClaudeSettings", () => {
  it("hooks every event that takes command hooks except WorktreeCreate, in exec form", () => {
    const settings = buildClaudeSettings({ hook, transport: "command" });
    expect(COMMAND_HOOK_EVENTS).toHaveLength(31);
    expect(Object.keys(settings.hooks).sort()).toEqual(DEFAULT_HOOK_EVENTS.toSorted());
    expect(settings.hooks.WorktreeCreate).toBeUndefined();
    expect(settings.hooks.PreToolUse).toEqual([
      {
        hooks: [
          {
            type: "command",
            command: hook.command,
            args: ["/pkg dir/dist/hooks/entry.js", "PreToolUse"],
            timeout: 60,
          },
        ],
      },
    ]);
    expect(settings.hooks.SessionEnd?.[0]?.hooks[0]?.timeout).toBe(5);
    expect(settings).not.toHaveProperty("statusLine");
    expect(settings).not.toHaveProperty("permissions");
  });

  it("posts to the daemon under http, except SessionStart and Setup which take commands only", () => {
    const settings = buildClaudeSettings({
      hook,
      transport: "http",
      httpUrl: "http://127.0.0.1:7777/hooks/",
      events: ["SessionStart", "PreToolUse", "Stop"],
      timeoutSec: 30,
    });
    expect(settings.hooks.SessionStart?.[0]?.hooks[0]).toMatchObject({ type: "command" });
    expect(settings.hooks.PreToolUse?.[0]?.hooks[0]).toEqual({
      type: "http",
      url: "http://127.0.0.1:7777/hooks/PreToolUse",
      headers: {
        "x-ccm-task-id": "$CCM_TASK_ID",
        "x-ccm-agent-id": "$CCM_AGENT_ID",
        "x-ccm-fail-closed": "$CCM_FAIL_CLOSED",
        authorization: "Bearer $CCM_HOOK_TOKEN",
      },
      allowedEnvVars: ["CCM_TASK_ID", "CCM_AGENT_ID", "CCM_FAIL_CLOSED", "CCM_HOOK_TOKEN"],
      timeout: 30,
    });
  });

  it("marks fail-closed events onFailure: block where Claude Code honours it", () => {
    const settings = buildClaudeSettings({ hook, transport: "command", failClosed: ["PreToolUse", "Stop"] });
    expect(settings.hooks.PreToolUse?.[0]?.hooks[0]?.onFailure).toBe("block");
    expect(settings.hooks.Stop?.[0]?.hooks[0]).not.toHaveProperty("onFailure");
    expect(settings.hooks.PostToolUse?.[0]?.hooks[0]).not.toHaveProperty("onFailure");
  });

  it("adds the status line as a quoted shell command and the permissions as given", () => {
    const settings = buildClaudeSettings({
      hook,
      transport: "command",
      events: [],
      statusLine: { command: "/opt/node/bin/node", args: ["/it's here/statusline.js"] },
      permissions: { deny: ["Bash(git push:*)"], defaultMode: "acceptEdits" },
    });
    expect(settings).toEqual({
      hooks: {},
      statusLine: {
        type: "command",
        command: `'/opt/node/bin/node' '/it'\\''s here/statusline.js'`,
        padding: 0,
      },
      permissions: { deny: ["Bash(git push:*)"], defaultMode: "acceptEdits" },
    });
  });

  it("refuses unknown events, WorktreeCreate, and http without a URL", () => {
    expect(() => buildClaudeSettings({ hook, transport: "command", events: ["PreToolUsed"] })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => buildClaudeSettings({ hook, transport: "command", events: ["WorktreeCreate"] })).toThrow(
      /WorktreeCreate/,
    );
    expect(() => buildClaudeSettings({ hook, transport: "http" })).toThrow(/httpUrl/);
  });
});

describe("shellQuote", () => {
  it("single-quotes so nothing is expanded", () => {
    expect(shellQuote("a b$(x)`y`'z")).toBe(`'a b$(x)\`y\`'\\''z'`);
  });
});
