import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CcmPaths } from "../config/paths.js";
import type { Store } from "../store/db.js";
import { addProject } from "../store/projects.js";
import { createTask, type Task } from "../store/tasks.js";

export interface DemoSetup {
  repo: string;
  project: string;
  task: Task;
}

/**
 * `ccm demo`: a sample repository, registered, with one task for the built-in demo agent. The sample's
 * project config names the demo agent and a verify command, so every stage runs.
 */
export function setUpDemo(store: Store, paths: CcmPaths, stamp = Date.now()): DemoSetup {
  const project = `ccm-demo-${stamp.toString(36)}`;
  const repo = join(paths.home, "demo", project);
  if (existsSync(repo)) throw new Error(`${repo} already exists`);
  mkdirSync(join(repo, ".ccm"), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=ccm demo", "-c", "user.email=demo@ccm.invalid", ...args], {
      cwd: repo,
      stdio: "pipe",
    });
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "README.md"), "# ccm demo\n\nA sample repository created by `ccm demo`.\n");
  writeFileSync(join(repo, ".ccm", ".gitignore"), "worktrees/\nagent.log\n");
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    `# Created by \`ccm demo\`: the built-in demo agent works on this sample repository.
name: ${project}
base_branch: main
agent: demo
verify: grep -q "Hello from ccm" greeting.txt
`,
  );
  git("add", ".");
  git("commit", "-q", "-m", "Sample repository for ccm demo");
  addProject(store, { name: project, path: repo, baseBranch: "main" });
  const task = createTask(
    store,
    {
      project,
      prompt: "Add a greeting.txt file that says hello from ccm.",
      title: "Add a greeting (demo)",
      agent: "demo",
      priority: "high",
      actor: "demo",
    },
    { maxQueueSize: Number.MAX_SAFE_INTEGER },
  );
  return { repo, project, task };
}
