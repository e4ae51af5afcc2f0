import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { sandbox } from "../helpers/cli.js";

// The quota and pause commands as a user runs them (no daemon): what they print, what they record.

interface TaskJson {
  id: number;
  state: string;
  pausedBy: string | null;
  transitions: { from: string | null; to: string; reason: string; actor: string }[];
}

describe("ccm quota and ccm task pause/resume", () => {
  it("pauses a queued task at once and resumes it, each recorded with its reason; refuses what cannot pause", () => {
    using s = sandbox();
    s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
    const repo = s.gitRepo("app");
    s.run(["init"], { cwd: repo });
    const { id } = s.json<{ id: number }>(["task", "create", "-p", "app", "do it"]);
    expect(s.json(["task", "pause", String(id), "--reason", "waiting for review"])).toEqual({
      id,
      outcome: "paused",
    });
    const paused = s.json<TaskJson>(["task", "show", String(id)]);
    expect(paused).toMatchObject({ state: "paused", pausedBy: "manual" });
    expect(paused.transitions.at(-1)).toMatchObject({
      from: "queued",
      to: "paused",
      actor: "cli",
      reason: "waiting for review",
    });
    // A paused-by-hand task is not a quota-paused one: `quota resume` leaves it alone.
    expect(s.json<{ resumed: number[] }>(["quota", "resume"]).resumed).toEqual([]);
    const resumed = s.run(["task", "resume", String(id)]);
    expect(resumed.stdout).toContain(`task #${id} is back in the queue`);
    expect(s.json<TaskJson>(["task", "show", String(id)]).transitions.at(-1)).toMatchObject({
      from: "paused",
      to: "queued",
      reason: "resumed by user",
    });
    s.run(["task", "cancel", String(id)]);
    const refused = s.run(["task", "pause", String(id)]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`task #${id} is cancelled: only queued or working tasks can pause`);
    expect(refused.stderr).toContain("hint:");
    expect(s.run(["task", "pause", "999"]).code).toBe(4);
  });

  it("quota status shows each account's source in force, thresholds and reset; --json for scripts; --help teaches", () => {
    using s = sandbox();
    s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
    const empty = s.json<{ level: string; held: boolean; accounts: unknown[]; thresholds: unknown }>([
      "quota",
      "status",
    ]);
    expect(empty).toMatchObject({
      level: "ok",
      held: false,
      accounts: [],
      thresholds: { warningPercent: 50, criticalPercent: 90 },
    });
    const account = join(s.home, ".claude");
    const resets = Date.now() + 3_600_000;
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"));
    db.prepare(
      "INSERT INTO quota_samples (account, source, window, used_percent, resets_at, at) VALUES (?, 'statusline', 'five_hour', 93, ?, ?)",
    ).run(account, resets, Date.now());
    db.close();
    const status = s.json<{
      level: string;
      held: boolean;
      holdCause: string;
      agentAccount: string;
      accounts: { account: string; source: string; resetsAt: number }[];
    }>(["quota", "status"]);
    expect(status).toMatchObject({
      level: "critical",
      held: true,
      holdCause: "critical",
      agentAccount: account,
    });
    expect(status.accounts).toMatchObject([{ account, source: "statusline", resetsAt: resets }]);
    const text = s.run(["quota", "status"]).stdout;
    expect(text).toContain("Quota: critical");
    expect(text).toContain("Dispatching held: quota critical: 5-hour usage 93% (statusline)");
    expect(text).toMatch(/statusline\s+five_hour\s+93%\s+critical/);
    expect(
      s.json<{ samples: { usedPercent: number }[] }>(["quota", "history"]).samples.map((x) => x.usedPercent),
    ).toEqual([93]);
    const help = s.run(["quota", "--help"]).stdout;
    expect(help).toContain("best first: the status line");
    expect(s.run(["task", "pause", "--help"]).stdout).toContain("never in the middle of one");
  });
});
