import { join } from "node:path";
import type { AgentMode } from "../agents/adapter.js";
import type { Config } from "../config/load.js";
import { loadProjectConfig, type ProjectConfig } from "../config/project-config.js";
import { mergeSwitches, type StageSwitches } from "../core/stages.js";
import { CcmError } from "../errors.js";
import type { Store } from "../store/db.js";
import { getProjectById, type Project } from "../store/projects.js";
import type { Task } from "../store/tasks.js";

/** What a task will run with: resolved from the task, its project's .ccm/config.yaml and the global config. */
export interface TaskPlan {
  project: Project;
  projectConfig: ProjectConfig;
  agent: string;
  mode: AgentMode;
  baseBranch: string;
  branch: string;
  worktreePath: string;
  switches: StageSwitches;
  verifyCommand: string | undefined;
}

export function planTask(store: Store, config: Config, task: Task): TaskPlan {
  const project = getProjectById(store, task.projectId);
  if (!project) throw new CcmError("PROJECT_NOT_FOUND", `task #${task.id}'s project no longer exists`);
  const projectConfig = loadProjectConfig(project.path);
  const baseBranch = task.baseBranch ?? projectConfig.base_branch ?? project.baseBranch;
  if (!baseBranch) {
    throw new CcmError("CONFIG_INVALID", `project '${project.name}' has no base branch`, {
      hint: `Set base_branch in ${join(project.path, ".ccm", "config.yaml")}.`,
    });
  }
  const verifyCommand = projectConfig.verify ?? project.verifyCommand ?? undefined;
  const switches = mergeSwitches(projectConfig.stages, task.options.stages);
  // Verification needs something to run; without a command the stage is skipped, not failed.
  if (!verifyCommand) switches.verifying = false;
  return {
    project,
    projectConfig,
    agent: task.agent ?? projectConfig.agent ?? config.agents.default,
    mode: task.options.mode ?? projectConfig.mode ?? config.agents.mode,
    baseBranch,
    branch: `ccm/task-${task.id}`,
    worktreePath: task.worktreePath ?? join(project.path, ".ccm", "worktrees", `task-${task.id}`),
    switches,
    verifyCommand,
  };
}
