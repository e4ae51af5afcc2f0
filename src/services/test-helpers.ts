import { join } from "node:path";
import type { TaskState } from "../core/task-state.js";
import { type TempRepo, tempRepo } from "../runtime/test-helpers.js";
import { createTaskWorktree } from "../runtime/worktree.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, patchTask, type Task, transitionTask } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";

/** For tests only: a real repository registered in a temp store, with tasks that have real worktrees. */
export interface LifecycleWorld extends AsyncDisposable {
  repo: TempRepo;
  store: ReturnType<typeof tempStore>;
  /** A task in `state` with worktree `ccm/task-<id>` from main. */
  task(state: TaskState): Promise<Task>;
  /** All refs under refs/ccm/snapshots/ → commit. */
  snapshotRefs(): Promise<Record<string, string>>;
  /** Whether `commit` is reachable from some snapshot ref. */
  keptBySnapshot(commit: string): Promise<boolean>;
}

const PATHS: Partial<Record<TaskState, TaskState[]>> = {
  executing: ["executing"],
  awaiting_approval: ["executing", "awaiting_approval"],
  merged: ["executing", "awaiting_approval", "merged"],
  rejected: ["executing", "awaiting_approval", "rejected"],
  cancelled: ["executing", "cancelled"],
  failed: ["executing", "failed"],
  paused: ["executing", "paused"],
};

export async function lifecycleWorld(): Promise<LifecycleWorld> {
  const repo = await tempRepo();
  const store = tempStore();
  addProject(store, { name: "p", path: repo.dir, baseBranch: "main" });
  const keptBySnapshot = async (commit: string) => {
    const refs = await repo.git(["for-each-ref", "--format=%(refname)", "refs/ccm/snapshots/"]);
    for (const ref of refs.split("\n").filter((r) => r !== "")) {
      const ok = await repo.git(["merge-base", "--is-ancestor", commit, ref]).then(
        () => true,
        () => false,
      );
      if (ok) return true;
    }
    return false;
  };
  return {
    repo,
    store,
    async task(state) {
      const created = createTask(
        store,
        { project: "p", prompt: `task to be ${state}` },
        { maxQueueSize: 100 },
      );
      const wt = await createTaskWorktree({
        repo: repo.dir,
        taskId: created.id,
        baseBranch: "main",
        worktreesDir: join(repo.scratch, "worktrees"),
      });
      patchTask(store, created.id, {
        branch: wt.branch,
        worktreePath: wt.path,
        baseBranch: "main",
        baseCommit: wt.baseCommit,
      });
      for (const to of PATHS[state] ?? [])
        transitionTask(store, created.id, to, { reason: "test", actor: "test" });
      return getTask(store, created.id);
    },
    async snapshotRefs() {
      const out = await repo.git([
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        "refs/ccm/snapshots/",
      ]);
      return Object.fromEntries(
        out
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => l.split(" ") as [string, string]),
      );
    },
    keptBySnapshot,
    async [Symbol.asyncDispose]() {
      store[Symbol.dispose]();
      await repo[Symbol.asyncDispose]();
    },
  };
}
