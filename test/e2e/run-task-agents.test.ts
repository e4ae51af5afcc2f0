import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { FAKE_GEMINI } from "../fixtures/fake-agents/paths.js";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";
import type { Sandbox } from "../helpers/cli.js";

interface TaskJson {
  id: number;
  state: string;
  branch: string | null;
  failureReason: string | null;
  commits: { subject: string }[];
}

function project(s: Sandbox, name: string, settings: string): string {
  const repo = s.gitRepo(name);
  s.run(["init"], { cwd: repo });
  const base = settings.includes("base_branch:") ? "" : "base_branch: main\n";
  writeFileSync(join(repo, ".ccm", "config.yaml"), `name: ${name}\n${base}${settings}`);
  return repo;
}

const settle = (s: Sandbox, id: number) => waitForTaskState<TaskJson>(s, id, ["awaiting_approval", "failed"]);

const stagesOff = "stages: {planning: false, reviewing: false, verifying: false}\n";

describe("other agents through the daemon", () => {
  it("gemini-cli (the fake, checked against Gemini's documented behaviour): work committed, hooks mapped onto our events", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack, `\n  gemini_cli:\n    command: ${FAKE_GEMINI}\n    args: []\n`);
    const repo = project(s, "gem", `agent: gemini-cli\npermission_mode: bypassPermissions\n${stagesOff}`);
    const script = join(s.root, "gemini-script.json");
    writeFileSync(
      script,
      JSON.stringify([
        { write: { path: "gem.txt", content: "from gemini\n" } },
        { bash: "git add gem.txt && git commit -q -m 'Add gem.txt'" },
        { text: "Added gem.txt." },
      ]),
    );
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "gem", "Add gem.txt"]);
    s.run(["daemon", "start"], { env: { FAKE_AGENT_SCRIPT: script, GEMINI_API_KEY: "fake-key" } });
    const task = await settle(s, id);
    expect(task.failureReason).toBeNull();
    if (!task.commits.some((c) => c.subject === "Add gem.txt")) {
      const runs = execFileSync("sh", ["-c", 'cat "$1"/runs/task-*/agent-*/stream.log*', "sh", s.ccmHome], {
        encoding: "utf8",
      });
      throw new Error(`no commit; the agent printed:\n${runs}`);
    }
    expect(execFileSync("git", ["show", `${task.branch}:gem.txt`], { cwd: repo, encoding: "utf8" })).toBe(
      "from gemini\n",
    );
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
    const hooks = (
      db.prepare("SELECT event FROM events WHERE task_id = ? AND source = 'hook'").all(id) as {
        event: string;
      }[]
    ).map((e) => e.event);
    db.close();
    expect(hooks).toEqual(expect.arrayContaining(["PreToolUse", "PostToolUse"]));
  });

  it("a custom agent gets the prompt as one argument, never through a shell", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(
      stack,
      "\n" +
        [
          "  custom:",
          "    echo-agent:",
          // The agent itself is a shell script written by the user; ccm passes the prompt as $1.
          `      command: [sh, -c, 'printf "%s\\n" "$1" > prompt.txt && git add prompt.txt && git commit -qm custom', sh]`,
          "      prompt_via: arg",
          "",
        ].join("\n"),
    );
    const repo = project(s, "cust", `agent: echo-agent\n${stagesOff}`);
    const hostile = `Say "hi" $(touch pwned) \`touch pwned2\`; rm -rf / && echo done`;
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "cust", hostile]);
    s.run(["daemon", "start"]);
    const task = await settle(s, id);
    expect(task.failureReason).toBeNull();
    const written = execFileSync("git", ["show", `${task.branch}:prompt.txt`], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(written).toContain(hostile);
    expect(
      execFileSync("git", ["ls-tree", "--name-only", task.branch ?? "HEAD"], { cwd: repo, encoding: "utf8" }),
    ).not.toContain("pwned");
  });

  it("a missing base branch fails the task with a reason that says so", async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack, "\n" + "");
    project(s, "nobase", `agent: demo\nbase_branch: does-not-exist\n${stagesOff}`);
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "nobase", "anything"]);
    s.run(["daemon", "start"]);
    const task = await settle(s, id);
    expect(task.state).toBe("failed");
    expect(task.failureReason).toContain("does-not-exist");
  });
});
