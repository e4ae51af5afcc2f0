import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(REPO_ROOT, "bin", "ccm.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A sealed world for one test: temp HOME and CCM_HOME, UTC, no colour, nothing inherited that could reach the
 * real ~/.ccm or ~/.claude. Dispose it to remove everything (stop any daemon first).
 */
export interface Sandbox extends Disposable {
  root: string;
  home: string;
  ccmHome: string;
  env: Record<string, string>;
  run(
    args: readonly string[],
    options?: { input?: string; cwd?: string; env?: Record<string, string> },
  ): RunResult;
  json<T = unknown>(args: readonly string[], options?: { input?: string; cwd?: string }): T;
  gitRepo(name: string, options?: { commit?: boolean; branch?: string }): string;
}

export function sandbox(options: { config?: string } = {}): Sandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ccm-e2e-")));
  const home = join(root, "home");
  const ccmHome = join(home, ".ccm");
  mkdirSync(home, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CCM_HOME: ccmHome,
    TZ: "UTC",
    NO_COLOR: "1",
    LANG: "C.UTF-8",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.invalid",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.invalid",
    NODE_COMPILE_CACHE: join(root, "compile-cache"),
  };
  if (options.config !== undefined) {
    mkdirSync(ccmHome, { recursive: true, mode: 0o700 });
    writeFileSync(join(ccmHome, "config.yaml"), options.config, { mode: 0o600 });
  }
  const run: Sandbox["run"] = (args, opts = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? home,
      env: { ...env, ...opts.env },
      input: opts.input ?? "",
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    root,
    home,
    ccmHome,
    env,
    run,
    json<T>(args: readonly string[], opts?: { input?: string; cwd?: string }): T {
      const result = run([...args, "--json"], opts);
      if (result.code !== 0) throw new Error(`ccm ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    gitRepo(name, { commit = true, branch = "main" } = {}) {
      const dir = join(root, "code", name);
      mkdirSync(dir, { recursive: true });
      const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, stdio: "pipe" });
      git("init", "-q", "-b", branch);
      if (commit) {
        writeFileSync(join(dir, "README.md"), `# ${name}\n`);
        git("add", ".");
        git("commit", "-q", "-m", "initial");
      }
      return dir;
    },
    [Symbol.dispose]() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
