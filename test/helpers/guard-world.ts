import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGuardFile } from "../../src/safety/guard-file.js";

/**
 * A sealed world for guard tests: a home with planted secrets, a project repository with a real task
 * worktree on `ccm/task-7`, a CCM_HOME with the run's guard.json, and symlinks inside the worktree that
 * point out of it. Nothing here is the machine's real home or ~/.ccm.
 */
export interface GuardWorld extends Disposable {
  root: string;
  home: string;
  project: string;
  worktree: string;
  ccmHome: string;
  guardFile: string;
  branch: string;
  /** Environment for the hook process (and so for the guard's variable expansion). */
  env: Record<string, string>;
  /** Replaces {WT}, {HOME}, {PROJECT}, {CCM_HOME}, {ROOT} in a corpus string. */
  fill(text: string): string;
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Guard Test",
  GIT_AUTHOR_EMAIL: "guard@example.invalid",
  GIT_COMMITTER_NAME: "Guard Test",
  GIT_COMMITTER_EMAIL: "guard@example.invalid",
};

export function createGuardWorld(): GuardWorld {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ccm-guard-")));
  const home = join(root, "home");
  const project = join(root, "project");
  const ccmHome = join(root, "ccm-home");
  const branch = "ccm/task-7";
  const worktree = join(project, ".ccm", "worktrees", "task-7");
  for (const dir of [
    ".ssh",
    ".aws",
    ".gnupg",
    ".kube",
    ".config/gcloud",
    ".docker",
    ".claude",
    ".npm",
    ".cache",
  ]) {
    mkdirSync(join(home, dir), { recursive: true });
  }
  writeFileSync(join(home, ".ssh", "id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n");
  writeFileSync(join(home, ".aws", "credentials"), "[default]\naws_secret_access_key=fake\n");
  writeFileSync(join(home, ".netrc"), "machine example.invalid login x password y\n");
  writeFileSync(join(home, ".git-credentials"), "https://x:y@example.invalid\n");
  writeFileSync(join(home, ".gitconfig"), "[user]\n\tname = Guard Test\n");
  writeFileSync(join(home, ".bashrc"), "# rc\n");
  writeFileSync(join(home, ".claude", ".credentials.json"), "{}\n");
  writeFileSync(join(home, ".docker", "config.json"), "{}\n");
  mkdirSync(join(ccmHome, "runs", "task-7", "agent-1"), { recursive: true });
  writeFileSync(join(ccmHome, "ccm.db"), "");
  writeFileSync(join(ccmHome, "hook-token"), "secret-token\n");
  mkdirSync(project, { recursive: true });
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, stdio: "pipe" });
  git(project, "init", "--quiet", "--initial-branch=main");
  writeFileSync(join(project, "README.md"), "# project\n");
  writeFileSync(join(project, ".env"), "SECRET=main-checkout\n");
  writeFileSync(join(project, "package.json"), '{ "name": "demo", "scripts": { "test": "node -e 0" } }\n');
  mkdirSync(join(project, "src"));
  writeFileSync(join(project, "src", "app.ts"), "export const answer = 42;\n");
  git(project, "add", "README.md", "package.json", "src/app.ts");
  git(project, "commit", "--quiet", "-m", "initial");
  git(project, "branch", "feature-x");
  git(project, "worktree", "add", "--quiet", "-b", branch, worktree);
  writeFileSync(join(worktree, ".env"), "LOCAL=worktree\n");
  // Ways out that an agent could have planted (or a repo could carry): symlinks inside the worktree.
  symlinkSync(home, join(worktree, "home-link"));
  symlinkSync(join(home, ".ssh"), join(worktree, "ssh-link"));
  symlinkSync("/etc", join(worktree, "etc-link"));
  symlinkSync(project, join(worktree, "main-link"));
  symlinkSync(join(home, ".bashrc"), join(worktree, "bashrc-link"));
  symlinkSync("../../..", join(worktree, "up-link"));
  const guardFile = join(ccmHome, "runs", "task-7", "agent-1", "guard.json");
  const file = buildGuardFile({
    worktree,
    home,
    branch,
    ccmHome,
    projectDir: project,
    enabled: true,
    allowWrite: [],
    allowRead: [],
    denyRead: [],
  });
  writeFileSync(guardFile, `${JSON.stringify(file, null, 2)}\n`);
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USER: "guard",
    TMPDIR: "/tmp",
    CCM_HOME: ccmHome,
    CCM_WORKTREE: worktree,
    CCM_GUARD_FILE: guardFile,
    CCM_TASK_ID: "7",
    CCM_AGENT_ID: "1",
    SECRET_DIR: join(home, ".ssh"),
    OUT_DIR: "/etc",
    BUILD_DIR: join(worktree, "build"),
  };
  const fill = (text: string) =>
    text
      .replace(/(?<!\$)\{WT\}/g, worktree)
      .replace(/(?<!\$)\{HOME\}/g, home)
      .replace(/(?<!\$)\{PROJECT\}/g, project)
      .replace(/(?<!\$)\{CCM_HOME\}/g, ccmHome)
      .replace(/(?<!\$)\{ROOT\}/g, root);
  return {
    root,
    home,
    project,
    worktree,
    ccmHome,
    guardFile,
    branch,
    env,
    fill,
    [Symbol.dispose]() {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** One corpus entry: a Bash command, or any tool call. */
export type CorpusEntry =
  | { bash: string; note?: string }
  | { tool: string; input: Record<string, unknown>; note?: string };

export interface Corpus {
  entries: CorpusEntry[];
  /** Every template crossed with every target ({T} in the template). */
  matrix?: { templates: string[]; targets: string[] };
}

/** The corpus file's tool calls, placeholders filled, matrix expanded. */
export function loadCorpus(
  path: string,
  world: GuardWorld,
): { tool: string; input: Record<string, unknown>; label: string }[] {
  const corpus = JSON.parse(readFileSync(path, "utf8")) as Corpus;
  const calls: { tool: string; input: Record<string, unknown>; label: string }[] = [];
  const add = (entry: CorpusEntry) => {
    if ("bash" in entry) {
      const command = world.fill(entry.bash);
      calls.push({ tool: "Bash", input: { command, description: "corpus" }, label: `Bash: ${entry.bash}` });
    } else {
      const input = JSON.parse(world.fill(JSON.stringify(entry.input))) as Record<string, unknown>;
      calls.push({ tool: entry.tool, input, label: `${entry.tool}: ${JSON.stringify(entry.input)}` });
    }
  };
  for (const entry of corpus.entries) add(entry);
  for (const template of corpus.matrix?.templates ?? []) {
    for (const target of corpus.matrix?.targets ?? []) add({ bash: template.replaceAll("{T}", target) });
  }
  return calls;
}
