import { describe, expect, it } from "vitest";
import { decide, levelOf, viewAccounts } from "./policy.js";
import type { Sample } from "./samples.js";

const T = Date.parse("2026-11-22T10:00:00Z");
const t = { warningPercent: 50, criticalPercent: 90 };
const f = { statuslineMaxAgeMs: 15 * 60_000, ccusageMaxAgeMs: 5 * 60_000 };

let id = 0;
function sample(s: Partial<Sample> & Pick<Sample, "source" | "usedPercent">): Sample {
  return {
    id: ++id,
    account: "/a",
    window: "five_hour",
    resetsAt: null,
    tokens: null,
    tokenLimit: null,
    taskId: null,
    at: T,
    ...s,
  };
}

describe("quota policy", () => {
  it("levels at the thresholds", () => {
    expect([49.9, 50, 89.99, 90, 100].map((p) => levelOf(p, t))).toEqual([
      "ok",
      "warning",
      "warning",
      "critical",
      "critical",
    ]);
  });

  it("takes the best usable source: status line, then ccusage, then our transcript reader", () => {
    const all = [
      sample({ source: "transcripts", usedPercent: 95 }),
      sample({ source: "ccusage", usedPercent: 60 }),
      sample({ source: "statusline", usedPercent: 30, resetsAt: T + 3_600_000 }),
      sample({ source: "statusline", window: "seven_day", usedPercent: 92, resetsAt: T + 86_400_000 }),
    ];
    const [view] = viewAccounts(all, T + 60_000, t, f);
    expect(view).toMatchObject({ source: "statusline", level: "critical", resetsAt: T + 86_400_000 });
    expect(view?.windows.map((w) => [w.window, w.usedPercent])).toEqual([
      ["five_hour", 30],
      ["seven_day", 92],
    ]);
    // Once the status line's windows reset and it goes quiet, ccusage (fresh) is in force...
    const later = T + 2 * 86_400_000;
    const fresh = [
      ...all.slice(0, 1),
      sample({ source: "ccusage", usedPercent: 60, at: later }),
      ...all.slice(2),
    ];
    expect(viewAccounts(fresh, later, t, f)[0]).toMatchObject({ source: "ccusage", level: "warning" });
    // ...and when ccusage stops answering, the fallback.
    expect(viewAccounts(all, later, t, f)[0]).toMatchObject({ source: "transcripts", level: "critical" });
  });

  it("a reading whose reset time has passed counts as 0 %", () => {
    const [view] = viewAccounts(
      [sample({ source: "ccusage", usedPercent: 99, resetsAt: T + 1000 })],
      T + 2000,
      t,
      f,
    );
    expect(view?.windows[0]).toMatchObject({ usedPercent: 0, reportedPercent: 99, reset: true, level: "ok" });
  });

  it("decides: manual hold > critical (unless overridden) > resume", () => {
    const [critical] = viewAccounts(
      [sample({ source: "statusline", usedPercent: 95, resetsAt: T + 3_600_000 })],
      T,
      t,
      f,
    );
    const base = {
      now: T,
      agents: critical,
      autoPause: true,
      autoResume: true,
      hold: undefined,
      override: undefined,
    };
    expect(decide(base)).toMatchObject({ held: true, cause: "critical", resume: false });
    expect(decide({ ...base, hold: { reason: "x", actor: "cli", at: T } })).toMatchObject({
      held: true,
      cause: "manual",
    });
    expect(decide({ ...base, override: { until: T + 1, actor: "cli", at: T } })).toMatchObject({
      held: false,
      resume: true,
    });
    expect(decide({ ...base, override: { until: T, actor: "cli", at: T } })).toMatchObject({
      held: true,
      dropOverride: true,
    });
    expect(decide({ ...base, autoPause: false })).toMatchObject({ held: false });
    expect(decide({ ...base, agents: undefined, autoResume: false })).toMatchObject({
      held: false,
      resume: false,
    });
  });
});
