import { describe, expect, it } from "vitest";
import { changedRefs, type GitState, gitViolations, type RefChange, refsInLog } from "./git-checks.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

function state(patch: Partial<GitState> = {}): GitState {
  return {
    head: "refs/heads/ccm/task-1",
    headCommit: A,
    refs: { "refs/heads/main": A, "refs/heads/ccm/task-1": A },
    config: ["local remote.origin.url=/r.git"],
    hooks: {},
    gitlinks: [],
    gitmodules: null,
    modulesDir: false,
    ...patch,
  };
}

function check(after: GitState, changes: RefChange[] = [], movedByTask: string[] = []) {
  return gitViolations({
    taskBranch: "ccm/task-1",
    baseBranch: "main",
    before: state(),
    after,
    changes,
    movedByTask: new Set(movedByTask),
  });
}

describe("gitViolations", () => {
  it("finds nothing when only the task's own branch moved", () => {
    const after = state({ refs: { "refs/heads/main": A, "refs/heads/ccm/task-1": B }, headCommit: B });
    expect(changedRefs(state(), after, "ccm/task-1")).toEqual([]);
    expect(check(after)).toEqual([]);
  });

  it("reports HEAD on another branch or detached, with where it is", () => {
    expect(check(state({ head: "refs/heads/other" }))).toEqual([
      { code: "head", message: "HEAD is on other instead of ccm/task-1" },
    ]);
    expect(check(state({ head: null, headCommit: B }))[0]?.message).toBe(
      `HEAD is detached at ${B.slice(0, 12)} instead of on ccm/task-1`,
    );
  });

  it("reports new gitlinks, a new .gitmodules and submodule clones", () => {
    const messages = check(state({ gitlinks: ["vendor/x"], gitmodules: "h:-", modulesDir: true })).map(
      (v) => `${v.code}: ${v.message}`,
    );
    expect(messages).toEqual([
      "submodule: submodules added: vendor/x",
      "submodule: .gitmodules was added",
      "submodule: submodule clones appeared in the git folder (modules/)",
    ]);
  });

  it("counts a moved branch against the task only when its own git moved it", () => {
    const after = state({ refs: { "refs/heads/main": B, "refs/heads/ccm/task-1": A } });
    const moved: RefChange = { ref: "refs/heads/main", before: A, after: B, fastForward: true };
    // The user committed on main meanwhile: not the task's doing.
    expect(check(after, [moved])).toEqual([]);
    expect(check(after, [moved], ["refs/heads/main"])).toEqual([
      { code: "ref", message: `branch main moved ${A.slice(0, 12)} → ${B.slice(0, 12)}` },
    ]);
  });

  it("always reports the base branch rewritten or deleted, and other refs the task created or deleted", () => {
    const rewritten: RefChange = { ref: "refs/heads/main", before: A, after: C, fastForward: false };
    expect(check(state(), [rewritten])[0]?.message).toContain("branch main rewritten");
    const deleted: RefChange = { ref: "refs/heads/main", before: A, after: null, fastForward: false };
    expect(check(state(), [deleted])[0]?.message).toBe("branch main deleted");
    const tag: RefChange = { ref: "refs/tags/v1", before: null, after: B, fastForward: false };
    expect(check(state(), [tag])).toEqual([]);
    expect(check(state(), [tag], ["refs/tags/v1"])[0]?.message).toBe(
      `refs/tags/v1 created at ${B.slice(0, 12)}`,
    );
  });

  it("reports watched config and hook changes with what changed", () => {
    const after = state({
      config: ["local remote.origin.url=/r.git", "worktree remote.origin.pushurl=/elsewhere.git"],
      hooks: { "pre-commit": "10:1:493" },
    });
    expect(check(after)).toEqual([
      { code: "config", message: "git config changed: +worktree remote.origin.pushurl=/elsewhere.git" },
      { code: "hooks", message: "repository hooks changed: pre-commit" },
    ]);
  });
});

describe("refsInLog", () => {
  it("reads the refs of reference-transaction lines and ignores anything else", () => {
    expect([...refsInLog(`${A} ${B} refs/heads/x\n${A} ${B} HEAD\ngarbage\n\n`)]).toEqual(["refs/heads/x"]);
  });
});
