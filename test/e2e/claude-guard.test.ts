import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildClaudeSettings, guardPermissions } from "../../src/agents/claude-code/settings.js";
import { seedAgent } from "../../src/hooks/test-helpers.js";
import { parseGuardFile } from "../../src/safety/guard-file.js";
import { openStore } from "../../src/store/db.js";
import { createClaudeSandbox } from "../fixtures/claude-env.js";
import { type ScriptBlock, startFakeAnthropic, toolResultsOf } from "../fixtures/fake-anthropic/server.js";
import { writeSettings } from "../fixtures/hook-settings.js";
import { runClaude } from "../fixtures/run-claude.js";
import { createGuardWorld } from "../helpers/guard-world.js";
import { HOOK_ENTRY } from "../helpers/hook-entry.js";

// Part of the escape corpus through the REAL Claude Code binary (scripted Messages API, built hook entry,
// the run's guard.json): each scripted tool_use is denied, nothing escapes, and the model receives the
// guard's reason as an is_error tool_result. Then Claude Code's own layer: the permission deny rules.

const ATTEMPTS = (w: ReturnType<typeof createGuardWorld>): ScriptBlock[] => [
  {
    type: "tool_use",
    name: "Bash",
    input: { command: `echo pwned > ${w.home}/escaped-bash.txt`, description: "x" },
  },
  { type: "tool_use", name: "Bash", input: { command: "git push origin HEAD", description: "x" } },
  {
    type: "tool_use",
    name: "Bash",
    input: { command: `cd .. && echo x > escaped-cd.txt`, description: "x" },
  },
  {
    type: "tool_use",
    name: "Bash",
    input: { command: "sh -c 'echo x > home-link/escaped-sh.txt'", description: "x" },
  },
  { type: "tool_use", name: "Bash", input: { command: "cat ~/.ssh/id_rsa", description: "x" } },
  { type: "tool_use", name: "Write", input: { file_path: join(w.home, "escaped-write.txt"), content: "x" } },
  {
    type: "tool_use",
    name: "Write",
    input: { file_path: join(w.worktree, "home-link", "escaped-link.txt"), content: "x" },
  },
  { type: "tool_use", name: "Read", input: { file_path: join(w.home, ".aws", "credentials") } },
];

/** `claude -p go` in the worktree with one settings file, bypassPermissions, stream-json. */
function runGo(cwd: string, settings: string, env: Record<string, string>) {
  return runClaude({
    cwd,
    timeoutMs: 60_000,
    env,
    args: [
      "-p",
      "go",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "bypassPermissions",
      "--settings",
      settings,
    ],
  });
}

describe("the guard with the real Claude Code CLI", () => {
  test("scripted escapes are denied; each reason reaches the model as an error tool_result", async () => {
    using w = createGuardWorld();
    const attempts = ATTEMPTS(w);
    await using stack = new AsyncDisposableStack();
    const fake = stack.use(
      await startFakeAnthropic([...attempts.map((a) => [a]), [{ type: "text", text: "done" }]]),
    );
    const sandbox = stack.use(await createClaudeSandbox({ baseUrl: fake.url }));
    const store = stack.use(openStore(join(w.ccmHome, "ccm.db")));
    const ids = seedAgent(store, w.project);
    const settings = await writeSettings(
      join(sandbox.root, "settings.json"),
      buildClaudeSettings({
        hook: { command: process.execPath, args: [HOOK_ENTRY] },
        transport: "command",
        events: ["PreToolUse", "PostToolUse"],
      }),
    );
    const run = await runGo(w.worktree, settings, {
      ...sandbox.env,
      HOME: w.home,
      CCM_HOME: w.ccmHome,
      CCM_DB: store.path,
      CCM_TASK_ID: String(ids.taskId),
      CCM_AGENT_ID: String(ids.agentId),
      CCM_GUARD_FILE: w.guardFile,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const last = fake.turnRequests().at(-1)!;
    const results = toolResultsOf(last.body as Parameters<typeof toolResultsOf>[0]);
    expect(results).toHaveLength(attempts.length);
    for (const result of results) {
      expect(result, JSON.stringify(result)).toMatchObject({ is_error: true });
      expect(result.text).toContain("ccm guard: ");
    }
    for (const file of ["escaped-bash.txt", "escaped-write.txt", "escaped-link.txt", "escaped-sh.txt"]) {
      expect(existsSync(join(w.home, file)), file).toBe(false);
    }
    expect(existsSync(join(w.project, ".ccm", "worktrees", "escaped-cd.txt"))).toBe(false);
    const runs = store.db.prepare("SELECT script, decision FROM automation_runs").all();
    expect(runs).toEqual(attempts.map(() => ({ script: "builtin:guard", decision: "block" })));
  }, 120_000);

  test("Claude Code's own layer: the permission deny rules refuse reading secrets even with the hook off", async () => {
    using w = createGuardWorld();
    await using stack = new AsyncDisposableStack();
    const fake = stack.use(
      await startFakeAnthropic([
        [{ type: "tool_use", name: "Read", input: { file_path: join(w.home, ".ssh", "id_rsa") } }],
        [
          {
            type: "tool_use",
            name: "Write",
            input: { file_path: join(w.home, ".aws", "config"), content: "x" },
          },
        ],
        [{ type: "text", text: "done" }],
      ]),
    );
    const sandbox = stack.use(await createClaudeSandbox({ baseUrl: fake.url }));
    const guard = parseGuardFile(readFileSync(w.guardFile, "utf8"));
    const settings = await writeSettings(join(sandbox.root, "settings.json"), {
      permissions: guardPermissions(guard),
    });
    const run = await runGo(w.worktree, settings, { ...sandbox.env, HOME: w.home });
    expect(run.exitCode, run.stderr).toBe(0);
    const results = toolResultsOf(fake.turnRequests().at(-1)!.body as Parameters<typeof toolResultsOf>[0]);
    expect(results.map((r) => r.is_error)).toEqual([true, true]);
    expect(results[0]!.text).not.toContain("BEGIN OPENSSH");
    expect(existsSync(join(w.home, ".aws", "config"))).toBe(false);
  }, 120_000);
});
