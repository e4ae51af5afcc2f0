import { describe, expect, it } from "vitest";
import {
  type AutomationRun,
  classifyOutput,
  combineDecisions,
  failClosedEvents,
  isFailClosed,
} from "./automations.js";

const run = (script: string, extra: Partial<AutomationRun> = {}): AutomationRun => ({
  script,
  decision: "allow",
  durationMs: 1,
  ...extra,
});

const permission = (decision: string, reason?: string) => ({
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: decision,
    ...(reason === undefined ? {} : { permissionDecisionReason: reason }),
  },
});

describe("classifyOutput", () => {
  it.each([
    [
      { decision: "block", reason: "tests fail" },
      { decision: "block", reason: "tests fail" },
    ],
    [permission("deny", "no"), { decision: "block", reason: "no" }],
    [
      { hookSpecificOutput: { decision: { behavior: "deny", message: "nope" } } },
      { decision: "block", reason: "nope" },
    ],
    [
      { continue: false, stopReason: "halt" },
      { decision: "block", reason: "halt" },
    ],
    [permission("ask"), { decision: "modify" }],
    [permission("defer"), { decision: "modify" }],
    [{ hookSpecificOutput: { updatedInput: { command: "ls" } } }, { decision: "modify" }],
    [{ hookSpecificOutput: { additionalContext: "fyi" } }, { decision: "context" }],
    [{ systemMessage: "hello" }, { decision: "context" }],
    [permission("allow"), { decision: "allow" }],
    [{}, { decision: "allow" }],
  ])("%o → %o", (output, expected) => {
    expect(classifyOutput(output)).toEqual(expected);
  });
});

describe("combineDecisions", () => {
  it("allows with no runs", () => {
    expect(combineDecisions("PreToolUse", [])).toEqual({ decision: "allow", runs: [] });
  });

  it("lets any block win and keeps every blocking reason", () => {
    const runs = [
      run("a", { decision: "context", output: { hookSpecificOutput: { additionalContext: "ctx" } } }),
      run("b", { decision: "block", reason: "no rm" }),
      run("c", { decision: "block" }),
    ];
    const decision = combineDecisions("PreToolUse", runs);
    expect(decision).toMatchObject({ decision: "block", reason: "no rm\nblocked by c", runs });
    expect(decision.output).toEqual({
      hookSpecificOutput: { hookEventName: "PreToolUse", additionalContext: "ctx" },
    });
  });

  it("applies PreToolUse precedence deny > defer > ask > allow", () => {
    const outputs = (names: string[]) =>
      names.map((name, i) =>
        run(`s${i}`, { decision: "modify", output: permission(name, `${name} reason`) }),
      );
    const strongest = (names: string[]) =>
      (combineDecisions("PreToolUse", outputs(names)).output?.hookSpecificOutput as Record<string, unknown>)
        .permissionDecision;
    expect(strongest(["allow", "ask"])).toBe("ask");
    expect(strongest(["ask", "defer", "allow"])).toBe("defer");
    expect(strongest(["defer", "deny", "ask"])).toBe("deny");
    expect(
      (
        combineDecisions("PreToolUse", outputs(["ask", "defer"])).output?.hookSpecificOutput as Record<
          string,
          unknown
        >
      ).permissionDecisionReason,
    ).toBe("defer reason");
  });

  it("concatenates context and system messages, later scalar fields win", () => {
    const decision = combineDecisions("Stop", [
      run("a", {
        decision: "context",
        output: { systemMessage: "one", hookSpecificOutput: { additionalContext: "x" } },
      }),
      run("b", {
        decision: "context",
        output: {
          systemMessage: "two",
          suppressOutput: true,
          hookSpecificOutput: { additionalContext: "y" },
        },
      }),
    ]);
    expect(decision).toMatchObject({
      decision: "context",
      output: {
        systemMessage: "one\ntwo",
        suppressOutput: true,
        hookSpecificOutput: { hookEventName: "Stop", additionalContext: "x\n\ny" },
      },
    });
  });

  it("keeps continue:false once any run asked for it", () => {
    const decision = combineDecisions("Stop", [
      run("a", { decision: "block", output: { continue: false, stopReason: "stop" } }),
      run("b", { output: { continue: true } }),
    ]);
    expect(decision.output).toMatchObject({ continue: false });
  });

  it("ignores a failed automation unless the event fails closed", () => {
    const runs = [run("a", { decision: "error", reason: "timed out after 10 ms" })];
    expect(combineDecisions("PreToolUse", runs).decision).toBe("allow");
    expect(combineDecisions("PreToolUse", runs, { failClosed: true })).toMatchObject({
      decision: "block",
      reason: "timed out after 10 ms",
    });
  });
});

describe("failClosedEvents", () => {
  it("parses a comma list; * means every event", () => {
    const set = failClosedEvents(" PreToolUse, Stop ,,");
    expect([...set]).toEqual(["PreToolUse", "Stop"]);
    expect(isFailClosed(set, "Stop")).toBe(true);
    expect(isFailClosed(set, "PostToolUse")).toBe(false);
    expect(isFailClosed(failClosedEvents("*"), "PostToolUse")).toBe(true);
    expect(failClosedEvents(undefined).size).toBe(0);
  });
});
