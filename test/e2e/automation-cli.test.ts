import { chmodSync, mkdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "../helpers/cli.js";

// `ccm automation …` as a user types it, in a sealed CCM_HOME.

interface Item {
  name: string;
  where: string;
  enabled: boolean;
  path: string | null;
  events: { event: string; matcher?: string }[];
  timeoutSeconds: number | null;
  problems: string[];
  runs: number;
  lastRunAt: number | null;
  decisions: Record<string, number>;
}

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
  s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
});
afterEach(() => s[Symbol.dispose]());

const enabledDir = () => join(s.ccmHome, "automations", "enabled");

function script(dir: string, name: string, text: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

describe("ccm automation list", () => {
  it("shows the built-in guard and the shipped scripts daemon init enabled, with their headers", () => {
    const items = s.json<Item[]>(["automation", "list"]);
    expect(items.map((i) => [i.name, i.where, i.enabled])).toEqual([
      ["builtin:guard", "builtin", true],
      ["block-patterns", "shipped", true],
      ["git-checkpoint", "shipped", true],
      ["project-context", "shipped", true],
    ]);
    expect(items.find((i) => i.name === "block-patterns")).toMatchObject({
      events: [{ event: "PreToolUse", matcher: "Bash|run_shell_command" }],
      timeoutSeconds: 5,
      problems: [],
      runs: 0,
    });
    const human = s.run(["automation", "list"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^NAME +WHERE +ON +EVENTS/);
    expect(human.stdout).toMatch(/project-context +shipped +on +SessionStart, UserPromptSubmit +15s/);
  });

  it("shows what automation_runs recorded per script, and the guard's switch from config", () => {
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"));
    const insert = db.prepare(
      "INSERT INTO automation_runs (script, event, decision, duration_ms, at) VALUES (?, 'PreToolUse', ?, 1, ?)",
    );
    const path = join(enabledDir(), "block-patterns");
    insert.run(path, "block", 1_700_000_000_000);
    insert.run(path, "allow", 1_700_000_100_000);
    insert.run(path, "allow", 1_700_000_050_000);
    insert.run("builtin:guard", "block", 1_700_000_000_000);
    db.close();
    writeFileSync(join(s.ccmHome, "config.yaml"), "safety:\n  guard:\n    enabled: false\n", { flag: "a" });
    const items = s.json<Item[]>(["automation", "list"]);
    expect(items.find((i) => i.name === "block-patterns")).toMatchObject({
      runs: 3,
      lastRunAt: 1_700_000_100_000,
      decisions: { allow: 2, block: 1 },
    });
    expect(items[0]).toMatchObject({
      name: "builtin:guard",
      enabled: false,
      runs: 1,
      decisions: { block: 1 },
    });
  });

  it("lists the project's own automations and says what is wrong with broken ones", () => {
    const repo = s.gitRepo("shop");
    s.run(["init"], { cwd: repo });
    const dir = join(repo, ".ccm", "automations");
    script(dir, "good", "#!/bin/sh\n# ccm-events: Stop\nexit 0\n");
    script(dir, "no-header", "#!/bin/sh\nexit 0\n");
    script(dir, "not-exec", "#!/bin/sh\n# ccm-events: Stop\n", 0o644);
    script(dir, "typo", "#!/bin/sh\n# ccm-events: PreToolUse(Bash), PostToolUze, Stop(x)\n");
    writeFileSync(join(dir, "README.md"), "notes\n");
    const items = s.json<Item[]>(["automation", "list"], { cwd: repo });
    const project = Object.fromEntries(items.filter((i) => i.where === "project").map((i) => [i.name, i]));
    expect(Object.keys(project).sort()).toEqual(["good", "no-header", "not-exec", "typo"]);
    expect(project.good).toMatchObject({ enabled: true, problems: [] });
    expect(project["no-header"]?.problems).toEqual([expect.stringContaining('no "# ccm-events:" line')]);
    expect(project["not-exec"]).toMatchObject({
      enabled: false,
      problems: [expect.stringContaining("not executable")],
    });
    // The hook still runs it for the events it can read.
    expect(project.typo?.enabled).toBe(true);
    expect(project.typo?.problems).toEqual([
      'unknown event "PostToolUze" (did you mean PostToolUse?)',
      'Stop takes no matcher; "(x)" is ignored',
    ]);
    const human = s.run(["automation", "list"], { cwd: repo });
    expect(human.stdout).toContain('! typo: unknown event "PostToolUze" (did you mean PostToolUse?)');
    // Outside the project (and without --project) its scripts are not in scope.
    expect(s.json<Item[]>(["automation", "list"]).some((i) => i.where === "project")).toBe(false);
    expect(s.json<Item[]>(["automation", "list", "--project", "shop"]).some((i) => i.name === "typo")).toBe(
      true,
    );
  });
});

describe("ccm automation enable / disable", () => {
  it("disables by removing the link and enables by linking back; both are idempotent", () => {
    expect(s.run(["automation", "disable", "git-checkpoint"])).toMatchObject({
      code: 0,
      stdout: "git-checkpoint disabled\n",
    });
    expect(s.run(["automation", "disable", "git-checkpoint"]).stdout).toBe(
      "git-checkpoint was already disabled\n",
    );
    expect(s.json<Item[]>(["automation", "list"]).find((i) => i.name === "git-checkpoint")?.enabled).toBe(
      false,
    );
    // daemon init again does not re-enable what the user turned off.
    s.run(["daemon", "init", "--yes"]);
    expect(s.json<Item[]>(["automation", "list"]).find((i) => i.name === "git-checkpoint")?.enabled).toBe(
      false,
    );
    expect(s.json(["automation", "enable", "git-checkpoint"])).toEqual({
      name: "git-checkpoint",
      enabled: true,
      changed: true,
    });
    expect(readlinkSync(join(enabledDir(), "git-checkpoint"))).toBe(
      join("..", "available", "git-checkpoint"),
    );
  });

  it("parks a user's own script from enabled/ in available/, so enable brings it back", () => {
    script(enabledDir(), "mine", "#!/bin/sh\n# ccm-events: Stop\n");
    expect(s.json<Item[]>(["automation", "list"]).find((i) => i.name === "mine")).toMatchObject({
      where: "global",
      enabled: true,
    });
    expect(s.run(["automation", "disable", "mine"]).code).toBe(0);
    expect(s.json<Item[]>(["automation", "list"]).find((i) => i.name === "mine")?.enabled).toBe(false);
    expect(s.run(["automation", "enable", "mine"]).code).toBe(0);
    expect(s.json<Item[]>(["automation", "list"]).find((i) => i.name === "mine")?.enabled).toBe(true);
  });

  it("says which names exist when one is mistyped, and refuses broken or project scripts", () => {
    const typo = s.run(["automation", "enable", "git-chekpoint"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'error: no automation named "git-chekpoint"\nhint: Did you mean "git-checkpoint"? `ccm automation list` shows them all.\n',
    );
    script(join(s.ccmHome, "automations", "available"), "broken", "#!/bin/sh\n# ccm-events: Stopp\n");
    const broken = s.run(["automation", "enable", "broken"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken cannot be enabled: unknown event "Stopp" (did you mean Stop?)');
    const repo = s.gitRepo("shop");
    s.run(["init"], { cwd: repo });
    script(join(repo, ".ccm", "automations"), "proj", "#!/bin/sh\n# ccm-events: Stop\n");
    const project = s.run(["automation", "disable", "proj"], { cwd: repo });
    expect(project.code).toBe(2);
    expect(project.stderr).toContain("proj is a project automation");
    expect(project.stderr).toContain("chmod -x");
  });
});

describe("ccm automation test", () => {
  const event = (payload: Record<string, unknown>) => {
    const file = join(s.root, "event.json");
    writeFileSync(file, JSON.stringify(payload));
    return file;
  };
  const pre = (command: string) =>
    event({ hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command }, cwd: s.home });

  it("runs the script as the hook would and prints its decision, the hook's answer and the time", () => {
    const result = s.json<Record<string, unknown>>([
      "automation",
      "test",
      "block-patterns",
      "--event",
      pre("git push"),
    ]);
    expect(result).toMatchObject({
      script: join(enabledDir(), "block-patterns"),
      event: "PreToolUse",
      matched: true,
      decision: "block",
      reason: expect.stringContaining("git"),
      exitCode: 2,
      timedOut: false,
      timeoutMs: 5000,
      hookResponse: { exitCode: 0, stdout: expect.stringContaining('"permissionDecision":"deny"') },
    });
    expect(result.durationMs).toBeGreaterThan(0);
    const human = s.run(["automation", "test", "block-patterns", "--event", pre("ls")]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^Decision: +allow\nEvent: +PreToolUse\nDuration: +[0-9.]+ ms \(exit 0; limit 5s\)\n/,
    );
    // Not recorded: a test is not something an agent did.
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM automation_runs").get()).toEqual({ n: 0 });
    db.close();
  });

  it("gives the script the task's environment with --task, and reads the payload from stdin with -", () => {
    const repo = s.gitRepo("shop");
    s.run(["init"], { cwd: repo });
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "shop", "Tidy the cart"]);
    const probe = script(
      s.root,
      "probe",
      '#!/bin/sh\n# ccm-events: Stop\n# ccm-timeout: 3\n. "$CCM_LIB/ccm.sh"\nccm_context "$CCM_TASK_ID|$CCM_PROJECT|$CCM_PROJECT_DIR|$(ccm_field stop_hook_active)"\n',
    );
    const result = s.json<{ output: unknown; timeoutMs: number }>(
      ["automation", "test", probe, "--event", "-", "--task", String(id)],
      { input: JSON.stringify({ hook_event_name: "Stop", stop_hook_active: false }) },
    );
    expect(result.timeoutMs).toBe(3000);
    expect(result.output).toEqual({
      hookSpecificOutput: { hookEventName: "Stop", additionalContext: `${id}|shop|${repo}|false` },
    });
  });

  it("uses automations.timeout_seconds when the header sets none, and says when the header would skip the event", () => {
    writeFileSync(join(s.ccmHome, "config.yaml"), "automations:\n  timeout_seconds: 1\n", { flag: "a" });
    const slow = script(s.root, "slow", "#!/bin/sh\n# ccm-events: PreToolUse(Write)\nsleep 5\n");
    const result = s.json<Record<string, unknown>>(["automation", "test", slow, "--event", pre("ls")]);
    expect(result).toMatchObject({ matched: false, decision: "error", timedOut: true, timeoutMs: 1000 });
    expect(result.reason).toBe("timed out after 1000 ms");
  });

  it("explains bad input: a broken script, a file that is not JSON, an unknown event", () => {
    const noHeader = script(s.root, "plain", "#!/bin/sh\nexit 0\n");
    const missing = s.run(["automation", "test", noHeader, "--event", pre("ls")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*plain would not run: no "# ccm-events:" line/);
    const notExec = script(s.root, "notexec", "#!/bin/sh\n# ccm-events: Stop\n", 0o644);
    expect(s.run(["automation", "test", notExec, "--event", pre("ls")]).stderr).toContain(
      `not executable (chmod +x ${notExec})`,
    );
    const bad = join(s.root, "bad.json");
    writeFileSync(bad, "{nope");
    const notJson = s.run(["automation", "test", "block-patterns", "--event", bad]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`the event file ${bad} is not JSON`);
    const unknown = s.run([
      "automation",
      "test",
      "block-patterns",
      "--event",
      event({ hook_event_name: "BeforeTool" }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event "BeforeTool"');
  });
});

describe("ccm automation runs", () => {
  it("lists recorded runs, optionally of one task", () => {
    const repo = s.gitRepo("shop");
    s.run(["init"], { cwd: repo });
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "shop", "x"]);
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"));
    const insert = db.prepare(
      "INSERT INTO automation_runs (task_id, script, event, decision, reason, duration_ms, at) VALUES (?, ?, 'PreToolUse', ?, ?, 2.5, 1700000000000)",
    );
    insert.run(id, "/x/enabled/block-patterns", "block", "no push");
    insert.run(null, "builtin:guard", "allow", null);
    db.close();
    expect(s.json<unknown[]>(["automation", "runs"])).toHaveLength(2);
    expect(s.json<unknown[]>(["automation", "runs", "--task", String(id)])).toEqual([
      expect.objectContaining({
        taskId: id,
        script: "/x/enabled/block-patterns",
        decision: "block",
        reason: "no push",
      }),
    ]);
    const human = s.run(["automation", "runs"]);
    expect(human.stdout).toMatch(/block-patterns +block +2\.5ms +no push/);
    expect(s.run(["automation", "runs", "--task", "999"]).code).toBe(4);
  });
});
