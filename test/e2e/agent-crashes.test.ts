import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAKE_CLAUDE } from "../fixtures/fake-agents/paths.js";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";
import type { Sandbox } from "../helpers/cli.js";

/**
 * What users' machines do to running agents: the agent process dies, the tmux server goes away, the
 * worktree is deleted. Each task must end in a clear state with a reason, and the others must not notice.
 */

interface TaskJson {
  id: number;
  state: string;
  failureReason: string | null;
  worktreePath: string | null;
  branch: string | null;
}

interface AgentJson {
  id: number;
  taskId: number;
  pid: number | null;
  tmuxWindow: string | null;
}

const stagesOff = "stages: {planning: false, reviewing: false, verifying: false}\n";

function world(stack: AsyncDisposableStack) {
  const s = agentWorld(stack, `\n  claude_code:\n    command: ${FAKE_CLAUDE}\n    args: []\n`);
  const repo = s.gitRepo("crashy");
  s.run(["init"], { cwd: repo });
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    `name: crashy\nbase_branch: main\nagent: claude-code\npermission_mode: bypassPermissions\n${stagesOff}`,
  );
  // Slow enough to be caught mid-task; the work is committed at the end of the sleep.
  const script = join(s.root, "script.json");
  writeFileSync(
    script,
    JSON.stringify([
      { sleep: Number(process.env.CRASH_SLEEP_MS ?? 2500) },
      {
        bash: 'echo "$CCM_TASK_ID" > "done-$CCM_TASK_ID.txt" && git add -A && git commit -qm "work $CCM_TASK_ID"',
      },
      { text: "Done." },
    ]),
  );
  return { s, repo, env: { FAKE_AGENT_SCRIPT: script } };
}

const create = (s: Sandbox, title: string) =>
  s.json<{ id: number }>(["task", "create", "-p", "crashy", title]).id;
const show = (s: Sandbox, id: number) => s.json<TaskJson>(["task", "show", String(id)]);

async function agentOf(s: Sandbox, taskId: number): Promise<AgentJson> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const agent = s.json<AgentJson[]>(["agent", "list"]).find((a) => a.taskId === taskId && a.pid);
    if (agent) return agent;
    if (Date.now() > deadline) throw new Error(`task #${taskId} never got a running agent`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent's own process: the child of the wrapper running in the window's pane. */
function agentProcess(wrapperPid: number): number {
  const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, "utf8")
    .trim()
    .split(/\s+/);
  const pid = Number(children[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`wrapper ${wrapperPid} has no child yet`);
  return pid;
}

describe("agent crashes", () => {
  it("an agent killed mid-task fails its task with the signal; the task beside it finishes", async () => {
    await using stack = new AsyncDisposableStack();
    const { s, env } = world(stack);
    const victim = create(s, "will be killed");
    const bystander = create(s, "will finish");
    expect(s.run(["daemon", "start"], { env }).code).toBe(0);
    const agent = await agentOf(s, victim);
    await agentOf(s, bystander);
    await new Promise((r) => setTimeout(r, 300)); // let the fake agent get going
    process.kill(agentProcess(agent.pid!), "SIGKILL");

    const failed = await waitForTaskState<TaskJson>(s, victim, ["failed", "awaiting_approval"]);
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toMatch(/SIGKILL|signal/i);
    const done = await waitForTaskState<TaskJson>(s, bystander, ["failed", "awaiting_approval"]);
    expect(done.failureReason).toBeNull();
    expect(done.state).toBe("awaiting_approval");
  });

  it("a killed tmux server fails the running tasks with a reason; the daemon then runs new tasks", async () => {
    await using stack = new AsyncDisposableStack();
    const { s, env } = world(stack);
    const a = create(s, "first");
    const b = create(s, "second");
    expect(s.run(["daemon", "start"], { env }).code).toBe(0);
    await agentOf(s, a);
    await agentOf(s, b);
    execFileSync("tmux", ["-S", s.socket, "kill-server"]);

    for (const id of [a, b]) {
      const task = await waitForTaskState<TaskJson>(s, id, ["failed", "awaiting_approval"]);
      expect(task.state).toBe("failed");
      expect(task.failureReason).toMatch(/tmux|window|signal|SIGHUP/i);
    }
    // The daemon starts a new tmux server for the next task.
    const c = create(s, "after the crash");
    const after = await waitForTaskState<TaskJson>(s, c, ["failed", "awaiting_approval"]);
    expect(after.failureReason).toBeNull();
    expect(after.state).toBe("awaiting_approval");
  });

  it("a worktree deleted under a running task fails it with a reason that names the worktree; others go on", async () => {
    await using stack = new AsyncDisposableStack();
    const { s, repo, env } = world(stack);
    const victim = create(s, "its worktree goes");
    const bystander = create(s, "keeps its worktree");
    expect(s.run(["daemon", "start"], { env }).code).toBe(0);
    await agentOf(s, victim);
    await agentOf(s, bystander);
    const worktree = show(s, victim).worktreePath!;
    rmSync(worktree, { recursive: true, force: true });

    const failed = await waitForTaskState<TaskJson>(s, victim, ["failed", "awaiting_approval"]);
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toContain("worktree");
    const done = await waitForTaskState<TaskJson>(s, bystander, ["failed", "awaiting_approval"]);
    expect(done.failureReason).toBeNull();
    expect(done.state).toBe("awaiting_approval");
    // Nothing of the base branch was touched.
    expect(
      execFileSync("git", ["log", "--format=%s", "main"], { cwd: repo, encoding: "utf8" }),
    ).not.toContain("work");
  });
});
