import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { FAKE_GEMINI } from "../fixtures/fake-agents/paths.js";
import { type Sandbox, sandbox } from "../helpers/cli.js";

interface TaskJson {
  id: number;
  state: string;
  branch: string | null;
  failureReason: string | null;
  commits: { subject: string }[];
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      fn();
    } catch {}
  }
});

/** A daemon on a private tmux server with `agentsYaml` appended under `agents:`; all stopped afterwards. */
function world(agentsYaml: string): Sandbox {
  const s = sandbox();
  const socket = join(s.root, "tmux.sock");
  s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
  const config = join(s.ccmHome, "config.yaml");
  writeFileSync(
    config,
    readFileSync(config, "utf8")
      .replace("port: 8765", "port: 0")
      .replace("tmux_session_name: ccm", `tmux_session_name: ccm\n  tmux_socket: ${socket}\n${agentsYaml}`),
  );
  cleanups.push(() => s[Symbol.dispose]());
  cleanups.push(() => execFileSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" }));
  cleanups.push(() => s.run(["daemon", "stop"]));
  return s;
}

function project(s: Sandbox, name: string, settings: string): string {
  const repo = s.gitRepo(name);
  s.run(["init"], { cwd: repo });
  const base = settings.includes("base_branch:") ? "" : "base_branch: main\n";
  writeFileSync(join(repo, ".ccm", "config.yaml"), `name: ${name}\n${base}${settings}`);
  return repo;
}

async function settle(s: Sandbox, id: number): Promise<TaskJson> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = s.json<TaskJson>(["task", "show", String(id)]);
    if (["awaiting_approval", "failed"].includes(task.state)) return task;
    if (Date.now() > deadline) throw new Error(`task #${id} stuck in ${task.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const stagesOff = "stages: {planning: false, reviewing: false, verifying: false}\n";

describe("other agents through the daemon", () => {
  it("gemini-cli (the fake, checked against Gemini's documented behaviour): work committed, hooks mapped onto our events", async () => {
    const s = world(`  gemini_cli:\n    command: ${FAKE_GEMINI}\n    args: []\n`);
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
    const s = world(
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
    const s = world("");
    project(s, "nobase", `agent: demo\nbase_branch: does-not-exist\n${stagesOff}`);
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "nobase", "anything"]);
    s.run(["daemon", "start"]);
    const task = await settle(s, id);
    expect(task.state).toBe("failed");
    expect(task.failureReason).toContain("does-not-exist");
  });
});
