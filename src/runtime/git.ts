import { execa } from "execa";
import { CcmError } from "../errors.js";

const TIMEOUT_MS = 30_000;

/** Runs git with an argument array (never a shell string) and returns trimmed stdout. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const result = await execa("git", args, { cwd, reject: false, timeout: TIMEOUT_MS, stdin: "ignore" });
  if (result.failed) {
    if ((result as { code?: string }).code === "ENOENT") {
      throw new CcmError("EXTERNAL_COMMAND", "git is not installed or not on PATH", {
        hint: "Install git (e.g. apt-get install git) and retry.",
      });
    }
    throw new CcmError(
      "EXTERNAL_COMMAND",
      `git ${args.join(" ")} failed: ${result.stderr.trim() || result.shortMessage}`,
      {
        details: { cwd, args: [...args], exitCode: result.exitCode, stderr: result.stderr },
      },
    );
  }
  return result.stdout.trim();
}

/** The top-level folder of the work tree containing `dir`, or a NOT_A_GIT_REPO error saying how to fix it. */
export async function repoRoot(dir: string): Promise<string> {
  const result = await execa("git", ["rev-parse", "--show-toplevel"], {
    cwd: dir,
    reject: false,
    timeout: TIMEOUT_MS,
    stdin: "ignore",
  });
  if (result.failed || result.stdout.trim() === "") {
    if ((result as { code?: string }).code === "ENOENT" && !result.stderr) {
      throw new CcmError("NOT_A_GIT_REPO", `${dir} does not exist or git is not installed`, {
        hint: "Check the path; install git if it is missing.",
      });
    }
    throw new CcmError("NOT_A_GIT_REPO", `${dir} is not inside a git repository`, {
      hint: `Run \`git init\` there (and make a first commit), or pass the path of an existing repository.`,
    });
  }
  return result.stdout.trim();
}

/** The branch checked out in `dir`, or null on a detached HEAD. */
export async function currentBranch(dir: string): Promise<string | null> {
  const result = await execa("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], {
    cwd: dir,
    reject: false,
    timeout: TIMEOUT_MS,
    stdin: "ignore",
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}
