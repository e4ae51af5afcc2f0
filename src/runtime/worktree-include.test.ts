import { chmod, lstat, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SEALED_GIT_ENV, tempRepo } from "./test-helpers.js";
import { copyWorktreeIncludes, createTaskWorktree } from "./worktree.js";

beforeAll(() => {
  for (const [key, value] of Object.entries(SEALED_GIT_ENV)) vi.stubEnv(key, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("copyWorktreeIncludes", () => {
  it("copies files that match .worktreeinclude and are ignored, keeping modes", async () => {
    await using repo = await tempRepo();
    await repo.commit("tracked before it was ignored", {
      "config.local": "tracked, though it matches both\n",
    });
    await repo.commit("patterns", {
      ".gitignore": [".env", "secrets/", "*.log", "link-*", "config.local"].join("\n"),
      ".worktreeinclude": [".env", "secrets/", "link-*", "notes.txt", "config.local"].join("\n"),
    });
    await repo.write(".env", "TOKEN=abc\n");
    await repo.write("secrets/a.key", "key\n");
    await repo.write("secrets/run.sh", "#!/bin/sh\n");
    await repo.write("debug.log", "ignored but not included\n");
    await repo.write("notes.txt", "included but not ignored\n");
    await chmod(join(repo.dir, ".env"), 0o600);
    await chmod(join(repo.dir, "secrets/run.sh"), 0o755);
    await symlink("/etc/passwd", join(repo.dir, "link-out"));
    await symlink(".env", join(repo.dir, "link-in"));

    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    const copied = await copyWorktreeIncludes(repo.dir, path);

    expect(copied.sort()).toEqual([".env", "link-in", "secrets/a.key", "secrets/run.sh"]);
    expect(await readFile(join(path, ".env"), "utf8")).toBe("TOKEN=abc\n");
    expect(await mode(join(path, ".env"))).toBe(0o600);
    expect(await mode(join(path, "secrets/run.sh"))).toBe(0o755);
    // The link is recreated relative, so it points at the worktree's own copy.
    expect((await lstat(join(path, "link-in"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(path, "link-in"))).toBe(".env");
    for (const skipped of ["link-out", "debug.log", "notes.txt"]) {
      await expect(lstat(join(path, skipped))).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect(await readFile(join(path, "config.local"), "utf8")).toBe("tracked, though it matches both\n");
    expect(await repo.git(["status", "--porcelain"], path)).toBe("");
  });

  it("leaves files already in the worktree alone and does nothing without the file", async () => {
    await using repo = await tempRepo();
    await repo.commit("patterns", { ".gitignore": ".env\n" });
    await repo.write(".env", "from main\n");
    const { path } = await createTaskWorktree({
      repo: repo.dir,
      taskId: 1,
      baseBranch: "main",
      worktreesDir: repo.scratch,
    });
    expect(await copyWorktreeIncludes(repo.dir, path)).toEqual([]);

    await writeFile(join(repo.dir, ".worktreeinclude"), ".env\n");
    await writeFile(join(path, ".env"), "edited in the worktree\n");
    expect(await copyWorktreeIncludes(repo.dir, path)).toEqual([]);
    expect(await readFile(join(path, ".env"), "utf8")).toBe("edited in the worktree\n");
  });
});
