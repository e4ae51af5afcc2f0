import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { renderProjectConfig } from "../config/project-config.js";
import { CcmError } from "../errors.js";
import { currentBranch, repoRoot } from "../runtime/git.js";
import type { Store } from "../store/db.js";
import { type AddProjectResult, addProject } from "../store/projects.js";

export interface InitProjectOptions {
  store: Store;
  /** Any folder inside the repository; the repository's top level is registered. */
  dir: string;
  name?: string;
}

export interface InitProjectResult extends AddProjectResult {
  /** Files and folders created under .ccm/ by this run (nothing is overwritten). */
  createdFiles: string[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `ccm init` / `ccm project add`: scaffolds `.ccm/` in a git repository (never overwriting anything) and
 * registers the project. Running it again changes nothing.
 */
export async function initProject({ store, dir, name }: InitProjectOptions): Promise<InitProjectResult> {
  const absolute = resolve(dir);
  if (!existsSync(absolute)) {
    throw new CcmError("NOT_A_GIT_REPO", `${absolute} does not exist`, { hint: "Check the path and retry." });
  }
  const root = await repoRoot(absolute);
  const projectName = name ?? sanitizeName(basename(root));
  if (!NAME_PATTERN.test(projectName)) {
    throw new CcmError("INVALID_ARGUMENT", `'${projectName}' is not a valid project name`, {
      hint: "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (--name NAME).",
    });
  }
  const baseBranch = await currentBranch(root);
  const createdFiles = scaffold(root, projectName, baseBranch);
  const result = addProject(store, { name: projectName, path: root, baseBranch });
  return { ...result, createdFiles };
}

function sanitizeName(folder: string): string {
  const cleaned = folder.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return cleaned.slice(0, 64) || "project";
}

function scaffold(root: string, name: string, baseBranch: string | null): string[] {
  const created: string[] = [];
  const ccmDir = join(root, ".ccm");
  const ensureDir = (path: string) => {
    if (!existsSync(path)) {
      mkdirSync(path, { recursive: true });
      created.push(path);
    }
  };
  const ensureFile = (path: string, content: string) => {
    if (!existsSync(path)) {
      writeFileSync(path, content, { flag: "wx" });
      created.push(path);
    }
  };
  ensureDir(ccmDir);
  ensureDir(join(ccmDir, "skills"));
  ensureDir(join(ccmDir, "prompts"));
  ensureFile(join(ccmDir, "config.yaml"), renderProjectConfig({ name, baseBranch }));
  ensureFile(join(ccmDir, "agent.log"), "");
  // Task worktrees live in .ccm/worktrees; the log is machine-local. Neither belongs in the repository.
  ensureFile(join(ccmDir, ".gitignore"), "worktrees/\nagent.log\n");
  return created;
}
