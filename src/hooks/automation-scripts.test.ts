import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  automationDirs,
  findAutomations,
  matcherAccepts,
  parseEventList,
  parseHeader,
} from "./automation-scripts.js";
import { payloadOf, preToolUse } from "./test-helpers.js";

describe("parseEventList", () => {
  it("splits on commas outside parentheses", () => {
    expect(
      parseEventList("PreToolUse(Bash|Write), Stop, Notification(idle_prompt,permission_prompt), *"),
    ).toEqual([
      { event: "PreToolUse", matcher: "Bash|Write" },
      { event: "Stop" },
      { event: "Notification", matcher: "idle_prompt,permission_prompt" },
      { event: "*" },
    ]);
  });

  it("skips junk and treats () as no matcher", () => {
    expect(parseEventList("Stop(), 12, ;;")).toEqual([{ event: "Stop" }]);
  });
});

describe("parseHeader", () => {
  it("reads the events line under any comment leader and an optional timeout", () => {
    expect(parseHeader("/a", "#!/bin/sh\n# ccm-events: Stop\n# ccm-timeout: 2.5\n")).toEqual({
      path: "/a",
      events: [{ event: "Stop" }],
      timeoutMs: 2500,
    });
    expect(parseHeader("/b", "#!/usr/bin/env node\n// ccm-events: PreToolUse(Bash)\n")?.events).toEqual([
      { event: "PreToolUse", matcher: "Bash" },
    ]);
    expect(parseHeader("/c", "#!/bin/sh\necho ccm-events: Stop\n")).toBeUndefined();
  });
});

describe("matcherAccepts (Claude Code's matcher rules)", () => {
  it.each([
    ["", "Bash", true],
    ["*", "Bash", true],
    ["Bash", "Bash", true],
    ["Edit|Write", "Write", true],
    ["Edit,Write", "Edit", true],
    ["Edit", "NotebookEdit", false],
    ["Edit.*", "NotebookEdit", true],
    ["^Edit$", "NotebookEdit", false],
    ["mcp__memory__.*", "mcp__memory__store", true],
    ["(", "x", false],
  ])("%s vs %s → %s", (matcher, value, expected) => {
    expect(matcherAccepts(matcher, value)).toBe(expected);
  });
});

describe("automationDirs", () => {
  it("uses CCM_HOME and the project (CCM_PROJECT_DIR, CLAUDE_PROJECT_DIR, then cwd)", () => {
    expect(
      automationDirs({ CCM_HOME: "/h", CCM_PROJECT_DIR: "/p", CLAUDE_PROJECT_DIR: "/w" }, { cwd: "/c" }),
    ).toEqual(["/h/automations/enabled", "/p/.ccm/automations"]);
    expect(automationDirs({ CCM_HOME: "/h", CLAUDE_PROJECT_DIR: "/w" }, { cwd: "/c" })).toEqual([
      "/h/automations/enabled",
      "/w/.ccm/automations",
    ]);
    expect(automationDirs({ HOME: "/u" }, { cwd: "/c" })).toEqual([
      "/u/.ccm/automations/enabled",
      "/c/.ccm/automations",
    ]);
    expect(automationDirs({}, {})).toEqual([]);
  });
});

describe("findAutomations", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ccm-auto-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, header: string, mode = 0o755) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${header}\nexit 0\n`);
    chmodSync(path, mode);
    return path;
  };

  it("finds executable scripts declaring the event whose matcher accepts the payload, in name order", () => {
    const guard = script("20-guard", "# ccm-events: PreToolUse(Bash|Write), Stop");
    const all = script("10-all", "# ccm-events: *");
    script("30-edit", "# ccm-events: PreToolUse(Edit)");
    script("40-notexec", "# ccm-events: PreToolUse", 0o644);
    script("50-noheader", "# nothing here");
    script(".hidden", "# ccm-events: PreToolUse");
    mkdirSync(join(dir, "sub"));
    expect(findAutomations([dir], "PreToolUse", preToolUse()).map((s) => s.path)).toEqual([all, guard]);
    expect(findAutomations([dir], "Stop", payloadOf("Stop")).map((s) => s.path)).toEqual([all, guard]);
    expect(
      findAutomations([dir], "PostToolUse", payloadOf("PostToolUse", { tool_name: "Bash" })),
    ).toHaveLength(1);
  });

  it("follows symlinks (enabled/ links to automations/) and skips missing folders", () => {
    const target = script("real", "# ccm-events: Stop");
    const enabled = join(dir, "enabled");
    mkdirSync(enabled);
    symlinkSync(target, join(enabled, "real"));
    symlinkSync(join(dir, "gone"), join(enabled, "dangling"));
    expect(
      findAutomations([join(dir, "missing"), enabled], "Stop", payloadOf("Stop")).map((s) => s.path),
    ).toEqual([join(enabled, "real")]);
  });

  it("ignores a matcher on an event without matcher support, as Claude Code does", () => {
    script("a", "# ccm-events: Stop(whatever)");
    expect(findAutomations([dir], "Stop", payloadOf("Stop"))).toHaveLength(1);
  });
});
