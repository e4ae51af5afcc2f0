import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CcmError } from "../errors.js";
import {
  bwrapArgs,
  chooseSandbox,
  type SandboxPolicy,
  type SandboxProbe,
  sandboxCommand,
  sandboxExecProfile,
  sandboxPolicy,
  systemProbe,
} from "./sandbox.js";
import { SEALED_GIT_ENV } from "./test-helpers.js";

const probe = (platform: NodeJS.Platform, installed: string[], works = true): SandboxProbe => ({
  platform,
  which: (name) => (installed.includes(name) ? `/usr/bin/${name}` : undefined),
  works: () => works,
});

describe("chooseSandbox", () => {
  it("auto picks bwrap on Linux and sandbox-exec on macOS", () => {
    expect(chooseSandbox("auto", probe("linux", ["bwrap"]))).toEqual({
      kind: "bwrap",
      bin: "/usr/bin/bwrap",
    });
    expect(chooseSandbox("auto", probe("darwin", ["sandbox-exec"]))).toEqual({
      kind: "sandbox-exec",
      bin: "/usr/bin/sandbox-exec",
    });
  });

  it("auto without bwrap goes on unconfined with a warning that says how to install it", () => {
    const choice = chooseSandbox("auto", probe("linux", []));
    expect(choice).toMatchObject({
      kind: "none",
      warning: expect.stringContaining("apt install bubblewrap"),
    });
    expect(chooseSandbox("auto", probe("linux", ["bwrap"], false))).toMatchObject({
      kind: "none",
      warning: expect.stringContaining("user namespaces"),
    });
  });

  it("an explicit bwrap that cannot run is an error, not a silent fallback", () => {
    expect(() => chooseSandbox("bwrap", probe("linux", []))).toThrow(CcmError);
    expect(() => chooseSandbox("bwrap", probe("linux", []))).toThrow(
      /safety.sandbox is bwrap, but bwrap is not installed/,
    );
    expect(() => chooseSandbox("sandbox-exec", probe("linux", []))).toThrow(/sandbox-exec is not installed/);
  });

  it("off is off, and other systems say there is no sandbox", () => {
    expect(chooseSandbox("off", probe("linux", ["bwrap"]))).toEqual({ kind: "none" });
    expect(chooseSandbox("auto", probe("win32", []))).toMatchObject({
      kind: "none",
      warning: expect.any(String),
    });
  });
});

describe("bwrapArgs and sandboxExecProfile", () => {
  const policy: SandboxPolicy = {
    writable: ["/work/wt", "/home/u/.ccm/runs/task-1/agent-2", "/home/u/.cache"],
    masked: [
      { path: "/home/u/.ccm", dir: true },
      { path: "/home/u/.cache/secret", dir: true },
      { path: "/home/u/.netrc", dir: false },
    ],
    cwd: "/work/wt",
  };

  it("mounts shallow rules before deep ones, so the run folder survives the hidden CCM_HOME", () => {
    const args = bwrapArgs(policy);
    expect(args.slice(0, 9)).toEqual([
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--tmpfs",
      "/tmp",
    ]);
    const at = (...needle: string[]) => args.findIndex((_, i) => needle.every((n, j) => args[i + j] === n));
    expect(at("--tmpfs", "/home/u/.ccm")).toBeLessThan(
      at("--bind", policy.writable[1]!, policy.writable[1]!),
    );
    expect(at("--bind", "/home/u/.cache", "/home/u/.cache")).toBeLessThan(
      at("--tmpfs", "/home/u/.cache/secret"),
    );
    expect(at("--dev-bind", "/dev/null", "/home/u/.netrc")).toBeGreaterThan(0);
    expect(args).not.toContain("--unshare-net");
    expect(args.slice(-4)).toEqual(["bwrap", "--chdir", "/work/wt", "--"]);
  });

  it("sandboxCommand puts the agent's argv after the prefix, untouched", () => {
    const wrapped = sandboxCommand({ kind: "bwrap", bin: "/usr/bin/bwrap" }, policy, "aider", [
      "--yes",
      "a $(b)",
    ]);
    expect(wrapped.command).toBe("/usr/bin/bwrap");
    expect(wrapped.args.slice(-3)).toEqual(["aider", "--yes", "a $(b)"]);
    expect(sandboxCommand({ kind: "none" }, policy, "aider", ["x"])).toEqual({
      command: "aider",
      args: ["x"],
    });
  });

  // UNTESTED on macOS (no Mac here): the profile text is all that is checked.
  it("the sandbox-exec profile denies writes except the allowed folders and hides the secrets", () => {
    const profile = sandboxExecProfile({
      ...policy,
      writable: [...policy.writable, '/odd "path"\\x'],
    });
    expect(profile).toMatch(
      /^\(version 1\)\n\(allow default\)\n\(deny file-write\*\)\n\(allow file-write\*\n/,
    );
    expect(profile).toContain('(subpath "/work/wt")');
    expect(profile).toContain('(subpath "/private/tmp")');
    expect(profile).toContain('(subpath "/odd \\"path\\"\\\\x")');
    expect(profile).toMatch(/\(deny file-read\* file-write\*\n {2}\(subpath "\/home\/u\/.ccm"\)/);
    expect(profile).toContain('(literal "/home/u/.netrc")');
    const wrapped = sandboxCommand(
      { kind: "sandbox-exec", bin: "/usr/bin/sandbox-exec" },
      policy,
      "agent",
      [],
    );
    expect(wrapped.args).toEqual(["-p", sandboxExecProfile(policy), "agent"]);
  });
});

// The real bubblewrap. The world lives under /var/tmp: inside the sandbox /tmp is private.
const bwrap = systemProbe().which("bwrap");
describe.runIf(bwrap !== undefined && process.platform === "linux")("under the real bwrap", () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync("/var/tmp/ccm-sandbox-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function world() {
    const home = join(root, "home");
    const ccmHome = join(home, ".ccm");
    const runDir = join(ccmHome, "runs", "task-1", "agent-1");
    const repo = join(root, "repo");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    writeFileSync(join(home, ".ssh", "id_ed25519"), "KEY\n");
    writeFileSync(join(home, ".netrc"), "machine x password y\n");
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(ccmHome, "ccm.db"), "db");
    mkdirSync(repo);
    const env = {
      ...process.env,
      ...SEALED_GIT_ENV,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@x",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@x",
    };
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env, stdio: "pipe" });
    git(repo, "init", "-q", "-b", "main");
    writeFileSync(join(repo, "a.txt"), "a\n");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "init");
    const worktree = join(repo, ".ccm", "worktrees", "task-1");
    git(repo, "worktree", "add", "-q", "-b", "ccm/task-1", worktree);
    const policy = sandboxPolicy({
      worktree,
      runDir,
      home,
      ccmHome,
      allowWrite: [],
      denyRead: [],
      allowRead: [],
    });
    const sh = (script: string) => {
      const { command, args } = sandboxCommand({ kind: "bwrap", bin: bwrap! }, policy, "sh", ["-c", script]);
      const result = spawnSync(command, args, {
        env: { ...env, HOME: home },
        encoding: "utf8",
        timeout: 20_000,
      });
      return { code: result.status, out: result.stdout.trim(), err: result.stderr.trim() };
    };
    return { home, ccmHome, runDir, repo, worktree, sh, git };
  }

  it("writing inside the worktree and the run folder works; outside it fails", () => {
    const w = world();
    expect(w.sh('echo in > inside.txt && echo log > "$0"/run.log'.replace("$0", w.runDir)).code).toBe(0);
    expect(readFileSync(join(w.worktree, "inside.txt"), "utf8")).toBe("in\n");
    expect(readFileSync(join(w.runDir, "run.log"), "utf8")).toBe("log\n");
    for (const target of [join(w.repo, "a.txt"), join(w.home, "planted"), join(root, "escape.txt")]) {
      const result = w.sh(`echo x > '${target}'`);
      expect(result.code, target).not.toBe(0);
      expect(result.err).toMatch(/Read-only file system/);
    }
    expect(readFileSync(join(w.repo, "a.txt"), "utf8")).toBe("a\n");
    expect(existsSync(join(w.home, "planted"))).toBe(false);
  });

  it("~/.ssh, ~/.netrc and CCM_HOME (its database) read as empty", () => {
    const w = world();
    expect(w.sh(`ls -A '${join(w.home, ".ssh")}'`)).toMatchObject({ code: 0, out: "" });
    expect(w.sh(`cat '${join(w.home, ".ssh", "id_ed25519")}'`).code).not.toBe(0);
    expect(w.sh(`cat '${join(w.home, ".netrc")}'`)).toMatchObject({ code: 0, out: "" });
    expect(w.sh(`cat '${join(w.ccmHome, "ccm.db")}'`).code).not.toBe(0);
    expect(readFileSync(join(w.home, ".ssh", "id_ed25519"), "utf8")).toBe("KEY\n");
  });

  it("commits on the task branch work; the repository's config and other branches stay read-only", () => {
    const w = world();
    const commit = w.sh(
      "echo b > b.txt && git add b.txt && git commit -qm inside && git rev-parse --abbrev-ref HEAD",
    );
    expect(commit).toMatchObject({ code: 0, out: "ccm/task-1" });
    expect(w.git(w.repo, "log", "-1", "--format=%s", "ccm/task-1").toString().trim()).toBe("inside");
    expect(w.sh("git config core.hooksPath /tmp/evil").code).not.toBe(0);
    expect(w.sh("git branch -f main HEAD").code).not.toBe(0);
    expect(w.git(w.repo, "log", "-1", "--format=%s", "main").toString().trim()).toBe("init");
  });
});
