import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createGuardWorld, loadCorpus } from "../../test/helpers/guard-world.js";
import { decideToolCall } from "./guard.js";
import { parseGuardFile, policyOf } from "./guard-file.js";

// The corpora in-process (fast, and names every miss); test/e2e/guard-corpus.test.ts sends them through the
// built hook entry.
const world = createGuardWorld();
afterAll(() => world[Symbol.dispose]());
const realpath = (p: string) => {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
};
const policy = policyOf(parseGuardFile(readFileSync(world.guardFile, "utf8")), realpath);
const corpus = (name: string) =>
  loadCorpus(join(import.meta.dirname, "../../test/fixtures/guard-corpus", name), world);
const decide = (call: { tool: string; input: Record<string, unknown> }) =>
  decideToolCall({ ...call, cwd: world.worktree }, { policy, io: { realpath }, env: world.env });

describe("guard corpora, in-process", () => {
  it("denies every escape attempt, each with a reason", () => {
    const calls = corpus("escape.json");
    expect(calls.length).toBeGreaterThanOrEqual(200);
    const allowed = calls.filter((c) => decide(c).decision !== "deny").map((c) => c.label);
    expect(allowed).toEqual([]);
  });

  it("allows every benign call", () => {
    const calls = corpus("benign.json");
    expect(calls.length).toBeGreaterThanOrEqual(100);
    const blocked = calls
      .map((c) => ({ label: c.label, verdict: decide(c) }))
      .filter((r) => r.verdict.decision === "deny")
      .map((r) => `${r.label} => ${"reason" in r.verdict ? r.verdict.reason : ""}`);
    expect(blocked).toEqual([]);
  });
});
