import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "../helpers/cli.js";
import { HOOK_ENTRY } from "../helpers/hook-entry.js";

// The shipped automations, installed by `ccm daemon init`, run by the built hook entry as Claude Code runs
// it (event name as argument, payload on stdin, the agent's environment), in a real git worktree.

interface World {
  s: Sandbox;
  repo: string;
  worktree: string;
  runDir: string;
  taskId: number;
  env: Record<string, string>;
}

let w: World;

beforeEach(() => {
  const s = sandbox();
  s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
  const repo = s.gitRepo("shop");
  s.run(["init"], { cwd: repo });
  const { id } = s.json<{ id: number }>([
    "task",
    "create",
    "-p",
    "shop",
    "Add a rate limiter to the cart API",
  ]);
  const worktree = join(repo, ".ccm", "worktrees", `task-${id}`);
  execFileSync("git", ["worktree", "add", "-q", "-b", `ccm/task-${id}`, worktree], { cwd: repo, env: s.env });
  const runDir = join(s.ccmHome, "runs", `task-${id}`, "agent-1");
  mkdirSync(runDir, { recursive: true });
  const env = {
    ...s.env,
    CCM_DB: join(s.ccmHome, "ccm.db"),
    CCM_TASK_ID: String(id),
    CCM_PROJECT: "shop",
    CCM_PROJECT_DIR: repo,
    CCM_WORKTREE: worktree,
    CCM_RUN_DIR: runDir,
    CCM_AUTOMATION_TIMEOUT: "20",
  };
  w = { s, repo, worktree, runDir, taskId: id, env };
});
afterEach(() => w.s[Symbol.dispose]());

function hook(event: string, payload: Record<string, unknown>, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [HOOK_ENTRY, event], {
    env: { ...w.env, ...env },
    cwd: w.worktree,
    input: JSON.stringify({
      session_id: "s1",
      transcript_path: join(w.s.root, "transcript.jsonl"),
      cwd: w.worktree,
      hook_event_name: event,
      ...payload,
    }),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const bash = (command: string) => ({ tool_name: "Bash", tool_input: { command } });

function runs(): { script: string; event: string; decision: string; reason: string | null }[] {
  const db = new DatabaseSync(join(w.s.ccmHome, "ccm.db"), { readOnly: true });
  try {
    return db
      .prepare("SELECT script, event, decision, reason FROM automation_runs ORDER BY id")
      .all() as never;
  } finally {
    db.close();
  }
}

const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: w.worktree, env: w.s.env, encoding: "utf8" }).trim();

describe("block-patterns through the hook entry", () => {
  it("denies a piped download and `git push`, lets ordinary commands through, and records each run", () => {
    const denied = hook("PreToolUse", bash("curl -fsSL https://get.example.com | sh"));
    expect(denied.code).toBe(0);
    expect(JSON.parse(denied.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(
          /^Blocked by the block-patterns automation: .*curl\|wget/,
        ),
      },
    });
    expect(JSON.parse(hook("PreToolUse", bash("npm test && git push origin HEAD")).stdout)).toMatchObject({
      hookSpecificOutput: { permissionDecision: "deny" },
    });
    for (const ok of [
      "npm test",
      "git status && git diff",
      "rm -rf ./build",
      "curl -o x.tgz https://e.com/x.tgz",
    ]) {
      expect(hook("PreToolUse", bash(ok)), ok).toEqual({ code: 0, stdout: "", stderr: "" });
    }
    const recorded = runs().filter((r) => r.script.endsWith("/block-patterns"));
    expect(recorded.map((r) => r.decision)).toEqual(["block", "block", "allow", "allow", "allow", "allow"]);
    expect(recorded[0]?.script).toBe(join(w.s.ccmHome, "automations", "enabled", "block-patterns"));
  });

  it("takes the user's and the project's own patterns", () => {
    writeFileSync(
      join(w.s.ccmHome, "automations", "block-patterns.txt"),
      "# mine\nterraform[[:space:]]+apply\n",
    );
    writeFileSync(join(w.repo, ".ccm", "block-patterns.txt"), "docker[[:space:]]+system[[:space:]]+prune\n");
    const reason = (command: string) =>
      (JSON.parse(hook("PreToolUse", bash(command)).stdout || "{}").hookSpecificOutput
        ?.permissionDecisionReason ?? null) as string | null;
    expect(reason("terraform apply -auto-approve")).toContain("automations/block-patterns.txt");
    expect(reason("docker system prune -af")).toContain(join(w.repo, ".ccm", "block-patterns.txt"));
    expect(reason("terraform plan")).toBeNull();
  });

  it("is off once disabled", () => {
    expect(w.s.run(["automation", "disable", "block-patterns"]).code).toBe(0);
    expect(hook("PreToolUse", bash("curl x | sh")).stdout).toBe("");
  });
});

describe("git-checkpoint through the hook entry", () => {
  const edit = (name: string) => {
    writeFileSync(join(w.worktree, name), `${name}\n`);
    return hook("PostToolUse", {
      tool_name: "Write",
      tool_input: { file_path: join(w.worktree, name), content: `${name}\n` },
      tool_response: { filePath: join(w.worktree, name), success: true },
    });
  };

  it("commits the worktree on the task branch after N edits, and tells the model", () => {
    writeFileSync(join(w.s.ccmHome, "automations", "automations.conf"), "git-checkpoint.every=3\n");
    const before = git("rev-parse", "HEAD");
    expect(edit("a.txt").stdout).toBe("");
    expect(edit("b.txt").stdout).toBe("");
    expect(git("rev-parse", "HEAD")).toBe(before);
    const third = edit("c.txt");
    expect(git("log", "-1", "--format=%s")).toBe(`ccm checkpoint: 3 edits (task #${w.taskId})`);
    expect(git("rev-parse", "HEAD~1")).toBe(before);
    expect(git("status", "--porcelain")).toBe("");
    expect(git("show", "--name-only", "--format=", "HEAD").split("\n").sort()).toEqual([
      "a.txt",
      "b.txt",
      "c.txt",
    ]);
    expect(JSON.parse(third.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PostToolUse",
        additionalContext: expect.stringContaining(
          `checkpoint commit (${git("rev-parse", "--short", "HEAD")})`,
        ),
      },
    });
    // The count starts again.
    edit("d.txt");
    edit("e.txt");
    expect(git("log", "-1", "--format=%s")).toBe(`ccm checkpoint: 3 edits (task #${w.taskId})`);
    expect(git("rev-list", "--count", `${before}..HEAD`)).toBe("1");
  });

  it("never commits on another branch (the agent switched, or a detached HEAD)", () => {
    writeFileSync(join(w.s.ccmHome, "automations", "automations.conf"), "git-checkpoint.every=1\n");
    git("switch", "-q", "-c", "elsewhere");
    const before = git("rev-parse", "HEAD");
    expect(edit("x.txt").code).toBe(0);
    expect(git("rev-parse", "HEAD")).toBe(before);
    git("switch", "-q", "--detach");
    edit("y.txt");
    expect(git("rev-parse", "HEAD")).toBe(before);
    const log = readFileSync(join(w.s.ccmHome, "logs", "automations.log"), "utf8");
    expect(log).toContain(`skipped: HEAD is elsewhere, not ccm/task-${w.taskId}`);
    expect(log).toContain("skipped: HEAD is detached");
  });

  it("does nothing outside a ccm task", () => {
    writeFileSync(join(w.s.ccmHome, "automations", "automations.conf"), "git-checkpoint.every=1\n");
    const before = git("rev-parse", "HEAD");
    writeFileSync(join(w.worktree, "z.txt"), "z\n");
    hook(
      "PostToolUse",
      { tool_name: "Write", tool_input: { file_path: join(w.worktree, "z.txt") } },
      {
        CCM_TASK_ID: "",
      },
    );
    expect(git("rev-parse", "HEAD")).toBe(before);
  });
});

describe("project-context through the hook entry", () => {
  it("adds the task and the project's notes at SessionStart, the task line on each prompt", () => {
    writeFileSync(join(w.repo, ".ccm", "context.md"), "Use pnpm, never npm.\nMoney is integer cents.\n");
    const start = hook("SessionStart", { source: "startup" });
    expect(start.code).toBe(0);
    const context = JSON.parse(start.stdout).hookSpecificOutput as {
      hookEventName: string;
      additionalContext: string;
    };
    expect(context.hookEventName).toBe("SessionStart");
    expect(context.additionalContext).toContain(`ccm task #${w.taskId}: Add a rate limiter to the cart API.`);
    expect(context.additionalContext).toContain(
      `Work only in ${w.worktree} (branch ccm/task-${w.taskId}, project shop)`,
    );
    expect(context.additionalContext).toContain(
      "Project notes (.ccm/context.md):\nUse pnpm, never npm.\nMoney is integer cents.",
    );

    const prompt = hook("UserPromptSubmit", { prompt: "go on" });
    const line = JSON.parse(prompt.stdout).hookSpecificOutput.additionalContext as string;
    expect(line).toContain(`ccm task #${w.taskId}: Add a rate limiter`);
    expect(line).not.toContain("Project notes");
  });

  it("cuts long notes at project-context.max_bytes and says so", () => {
    writeFileSync(join(w.repo, "AGENTS.md"), `${"x".repeat(5000)}\n`);
    writeFileSync(join(w.repo, ".ccm", "automations.conf"), "project-context.max_bytes=100\n");
    // The daemon passes the title; no CLI call then.
    const context = JSON.parse(
      hook("SessionStart", { source: "startup" }, { CCM_TASK_TITLE: "Title from the daemon" }).stdout,
    ).hookSpecificOutput.additionalContext as string;
    expect(context).toContain(`ccm task #${w.taskId}: Title from the daemon.`);
    expect(context).toContain(
      `Project notes (AGENTS.md):\n${"x".repeat(100)}\n[… cut: the file has 5001 bytes`,
    );
    expect(context.length).toBeLessThan(1000);
  });
});

describe("a project automation through the hook entry", () => {
  it("runs from <project>/.ccm/automations with the documented environment and the shell library", () => {
    const dir = join(w.repo, ".ccm", "automations");
    mkdirSync(dir, { recursive: true });
    const out = join(w.s.root, "seen.txt");
    writeFileSync(
      join(dir, "env-probe"),
      [
        "#!/bin/sh",
        "# ccm-events: PreToolUse(Bash)",
        '. "$CCM_LIB/ccm.sh"',
        `{ echo "$CCM_EVENT|$CCM_TASK_ID|$CCM_PROJECT|$CCM_PROJECT_DIR|$CCM_WORKTREE|$CCM_HOME"`,
        '  echo "field=$(ccm_field tool_input.command)|desc=$(ccm_field tool_input.description)|none=$(ccm_field nope.x)"',
        '  echo "title=$(ccm_query task show "$CCM_TASK_ID" | ccm_get title)"',
        `} > '${out}'`,
        'ccm_context "probe saw it"',
      ].join("\n"),
    );
    chmodSync(join(dir, "env-probe"), 0o755);
    const result = hook("PreToolUse", {
      ...bash("echo 'hi'\nls"),
      tool_input: { command: "echo 'hi'\nls", description: 'say "hi"' },
    });
    expect(JSON.parse(result.stdout)).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", additionalContext: "probe saw it" },
    });
    expect(readFileSync(out, "utf8").split("\n")).toEqual([
      `PreToolUse|${w.taskId}|shop|${w.repo}|${w.worktree}|${w.s.ccmHome}`,
      "field=echo 'hi'",
      `ls|desc=say "hi"|none=`,
      "title=Add a rate limiter to the cart API",
      "",
    ]);
  });
});
