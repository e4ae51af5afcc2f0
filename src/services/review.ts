import { existsSync } from "node:fs";
import { loadProjectConfig } from "../config/project-config.js";
import { CcmError } from "../errors.js";
import { git } from "../runtime/git.js";
import { type MergeStrategy, mergeTaskBranch } from "../runtime/merge.js";
import { diff as branchDiff, removeWorktree } from "../runtime/worktree.js";
import type { Store } from "../store/db.js";
import { getProjectById, type Project } from "../store/projects.js";
import { getTask, type Task, transitionTask } from "../store/tasks.js";
import { snapshotIfWork } from "./snapshots.js";

/** Review and merge: the user's side of a finished task. Shared by the CLI and the HTTP API. */

function reviewable(
  store: Store,
  id: number,
): { task: Task; project: Project; baseBranch: string; branch: string } {
  const task = getTask(store, id);
  const project = getProjectById(store, task.projectId);
  if (!project) throw new CcmError("PROJECT_NOT_FOUND", `task #${id}'s project is no longer registered`);
  if (!task.branch || !task.baseBranch) {
    throw new CcmError("INVALID_TRANSITION", `task #${id} has no branch yet (it is ${task.state})`, {
      hint: "A task gets its branch when it starts; wait for the daemon to pick it up.",
    });
  }
  return { task, project, baseBranch: task.baseBranch, branch: task.branch };
}

export async function taskDiff(store: Store, id: number, options: { stat?: boolean } = {}): Promise<string> {
  const { project, baseBranch, branch } = reviewable(store, id);
  return branchDiff(project.path, baseBranch, branch, { stat: options.stat ?? false });
}

export interface ApproveOptions {
  strategy?: MergeStrategy;
  message?: string;
  actor?: string;
}

export interface ApproveResult {
  task: Task;
  sha: string;
  strategy: MergeStrategy;
  branchDeleted: boolean;
  worktreeRemoved: boolean;
}

/**
 * Merges an awaiting task's branch into its base branch. A conflict leaves the base branch exactly as it
 * was and reports the files; the task stays awaiting approval.
 */
export async function approveTask(
  store: Store,
  id: number,
  options: ApproveOptions = {},
): Promise<ApproveResult> {
  const { task, project, baseBranch, branch } = reviewable(store, id);
  if (task.state !== "awaiting_approval") {
    throw new CcmError("INVALID_TRANSITION", `task #${id} is ${task.state}, not awaiting approval`, {
      hint: task.state === "merged" ? "It is already merged." : "Only finished work can be approved.",
    });
  }
  const projectConfig = loadProjectConfig(project.path);
  const strategy = options.strategy ?? projectConfig.merge.strategy;
  // Before the base branch moves (and a rebase copies the task's commits): the branch as reviewed.
  await snapshotIfWork(store, task, `before approve (${strategy})`);
  const result = await mergeTaskBranch({
    repo: project.path,
    baseBranch,
    branch,
    strategy,
    message: options.message ?? `ccm: task #${task.id}: ${task.title}`,
  });
  if (!result.ok) {
    throw new CcmError(
      "MERGE_CONFLICT",
      `task #${id} conflicts with ${baseBranch} in: ${result.files.join(", ")}; ${baseBranch} was not changed`,
      {
        hint: `Resolve it on ${branch} (e.g. merge ${baseBranch} into it in ${task.worktreePath ?? "its worktree"}), then approve again; or reject it.`,
        details: { files: result.files },
      },
    );
  }
  const merged = transitionTask(store, id, "merged", {
    reason: `approved: ${strategy} into ${baseBranch} as ${result.sha.slice(0, 12)}`,
    actor: options.actor ?? "cli",
    expectedFrom: "awaiting_approval",
  });
  let worktreeRemoved = false;
  if (task.worktreePath && existsSync(task.worktreePath)) {
    // Merged, so nothing in it is lost; force is still off: uncommitted leftovers keep it in place.
    worktreeRemoved = await removeWorktree(project.path, task.worktreePath, { force: false }).then(
      () => true,
      () => false,
    );
  }
  let branchDeleted = false;
  if (projectConfig.merge.delete_branch && worktreeRemoved) {
    // -D: after a squash or rebase the branch's own commits are not ancestors of the base, but their
    // content now is (the merge above succeeded), so nothing is lost.
    branchDeleted = await git(project.path, ["branch", "-D", branch]).then(
      () => true,
      () => false,
    );
  }
  return { task: merged, sha: result.sha, strategy, branchDeleted, worktreeRemoved };
}

/** Rejects finished work; the branch and worktree are kept and the work gets a snapshot ref. */
export async function rejectTask(store: Store, id: number, reason: string, actor = "cli"): Promise<Task> {
  const task = getTask(store, id);
  if (task.state !== "awaiting_approval") {
    throw new CcmError("INVALID_TRANSITION", `task #${id} is ${task.state}, not awaiting approval`, {
      hint: "Only finished work can be rejected; use `ccm task cancel` for work in progress.",
    });
  }
  const rejected = transitionTask(store, id, "rejected", {
    reason,
    actor,
    expectedFrom: "awaiting_approval",
  });
  await snapshotIfWork(store, rejected, "rejected with work");
  return rejected;
}

/**
 * Sends finished (or failed) work back to the agent with a follow-up prompt. The next executing run
 * resumes the agent's session (`--resume <session-id>`), so it keeps its context; then the remaining stages
 * run again.
 */
export function replyToTask(store: Store, id: number, prompt: string, actor = "cli"): Task {
  const text = prompt.trim();
  if (text === "") throw new CcmError("INVALID_ARGUMENT", "the follow-up prompt is empty");
  const task = getTask(store, id);
  if (task.state !== "awaiting_approval" && task.state !== "failed" && task.state !== "rejected") {
    throw new CcmError("INVALID_TRANSITION", `task #${id} is ${task.state}; follow-ups go to finished work`, {
      hint: "Wait until it is awaiting approval (or failed/rejected), then reply.",
    });
  }
  if (!task.worktreePath) {
    throw new CcmError(
      "INVALID_TRANSITION",
      `task #${id} never started, so there is nothing to follow up on`,
    );
  }
  // failed/rejected go back through the queue (and the concurrency limit); finished work resumes directly.
  const to = task.state === "awaiting_approval" ? "executing" : "queued";
  return transitionTask(store, id, to, {
    reason: `follow-up: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`,
    actor,
    expectedFrom: task.state,
    patch: { pendingPrompt: text, failureReason: null },
  });
}
