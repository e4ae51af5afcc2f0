import type { Store } from "../store/db.js";
import { addProject } from "../store/projects.js";
import { createTask } from "../store/tasks.js";

/** A project, a task and a running agent for it, the rows a hook call touches. For tests only. */
export function seedAgent(store: Store, projectPath = "/code/repo"): { taskId: number; agentId: number } {
  addProject(store, { name: "repo", path: projectPath });
  const task = createTask(store, { project: "repo", prompt: "do the thing" }, { maxQueueSize: 100 });
  const result = store.db
    .prepare(
      `INSERT INTO agents (task_id, stage, kind, mode, status, run_dir, started_at)
       VALUES (?, 'executing', 'claude-code', 'headless', 'starting', '/tmp/run', 0)`,
    )
    .run(task.id);
  return { taskId: task.id, agentId: Number(result.lastInsertRowid) };
}

export const SESSION = "7f3c2a10-5b1e-4c8e-9a44-2d1f0e6b9c01";

/** A documented-shape payload for `event` (reference §8 examples), with overrides. */
export function payloadOf(event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: SESSION,
    transcript_path: `/home/dev/.claude/projects/-home-dev-shop/${SESSION}.jsonl`,
    cwd: "/home/dev/shop",
    permission_mode: "default",
    hook_event_name: event,
    ...extra,
  };
}

export function preToolUse(
  command = "pnpm test",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return payloadOf("PreToolUse", {
    tool_name: "Bash",
    tool_input: { command, description: "Run tests" },
    tool_use_id: "toolu_01QwErTyUiOp",
    ...extra,
  });
}
