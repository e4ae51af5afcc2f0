/// <reference lib="dom" />
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";
import {
  artifact,
  demoProject,
  fullProfile,
  launchChromium,
  noHorizontalOverflow,
} from "../helpers/browser.js";
import { REPO_ROOT, type Sandbox } from "../helpers/cli.js";

// The dashboard's quota gauge, history chart and alerts in Debian's Chromium against a real daemon. Usage
// arrives the way interactive agents report it: the built status-line entry (what Claude Code runs from the
// per-task settings) reads a status payload carrying rate_limits and stores samples in the daemon's database.

const TIMEOUT = 120_000;
const STATUSLINE_ENTRY = join(REPO_ROOT, "dist", "quota", "statusline-entry.js");

/** Runs the status-line command as Claude Code would, with the status JSON on stdin; returns what it prints. */
function statusLine(s: Sandbox, fiveHour: number, sevenDay: number, resets: { five: number; seven: number }) {
  const payload = {
    hook_event_name: "Status",
    session_id: "0b7c9e4a-1111-4d2e-8f00-3c2b1a000001",
    transcript_path: join(s.home, ".claude", "projects", "-repo", "0b7c9e4a.jsonl"),
    cwd: s.home,
    model: { id: "claude-sonnet-4-5", display_name: "Sonnet 4.5" },
    rate_limits: {
      five_hour: { used_percentage: fiveHour, resets_at: Math.floor(resets.five / 1000) },
      seven_day: { used_percentage: sevenDay, resets_at: Math.floor(resets.seven / 1000) },
    },
  };
  const result = spawnSync(process.execPath, [STATUSLINE_ENTRY], {
    input: JSON.stringify(payload),
    env: { ...s.env, CCM_DB: join(s.ccmHome, "ccm.db") },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe("web UI: quota and alerts in Chromium", () => {
  it("the gauge, history chart and alerts follow status-line readings live; pause and resume from the UI", {
    timeout: TIMEOUT,
  }, async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    fullProfile(s);
    demoProject(s, "quotademo");
    expect(s.run(["daemon", "start"]).code).toBe(0);
    expect(existsSync(join(s.ccmHome, "ccm.db"))).toBe(true);
    const { url } = s.json<{ url: string }>(["ui", "--print"]);
    await using browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on("pageerror", (e) => failures.push(String(e)));
    await page.goto(url);
    const quota = page.getByTestId("quota");
    await quota.getByText("no quota data yet").waitFor();
    await page.getByTestId("quota-history-empty").getByText("no quota data yet").waitFor();
    expect(await quota.locator(".qwin").count()).toBe(0);
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));

    // A warning-level reading: the gauge shows both windows from the status line, live.
    const resets = { five: Date.now() + 2 * 3_600_000, seven: Date.now() + 3 * 86_400_000 };
    expect(statusLine(s, 62, 18, resets)).toContain("5h 62%");
    const five = quota.locator('[data-window="five_hour"]');
    await five.locator(".qwin-pct").getByText("62%", { exact: true }).waitFor({ timeout: 15_000 });
    expect(await quota.locator('[data-window="seven_day"] .qwin-pct').textContent()).toBe("18%");
    expect(await five.getAttribute("class")).toContain("lvl-warning");
    expect(await quota.getByTestId("quota-source").textContent()).toBe("source: status line");
    expect(await five.locator(".qwin-meta").textContent()).toMatch(/resets .*\(in (1h 5\dm|2h 0m)\)/);
    expect(await five.locator(".qbar-mark.warn").getAttribute("style")).toContain("left: 50%");
    expect(await five.locator(".qbar-mark.crit").getAttribute("style")).toContain("left: 90%");
    expect(await five.getByRole("meter", { name: "5-hour window used" }).getAttribute("value")).toBe("62");
    await page.getByTestId("quota-history").locator("canvas").waitFor();
    // The daemon's quota monitor raises the warning alert; it arrives over SSE.
    const alerts = page.getByTestId("alerts");
    await alerts.locator('[data-code="quota.warning"]').waitFor({ timeout: 15_000 });
    expect(await alerts.locator('[data-code="quota.warning"]').textContent()).toContain(
      "5-hour window at 62%",
    );

    // An alert raised the way resource limits do (an `alert` event row) is imported and shown too.
    const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { timeout: 5000 });
    db.prepare(
      "INSERT INTO events (task_id, agent_id, source, event, payload, at) VALUES (NULL, NULL, 'daemon', 'alert', ?, ?)",
    ).run(
      JSON.stringify({ code: "limit_exceeded", level: "critical", message: "worktree over max_worktree_mb" }),
      Date.now(),
    );
    db.close();
    await alerts.locator('[data-code="limit_exceeded"]').getByText("worktree over max_worktree_mb").waitFor({
      timeout: 15_000,
    });
    expect(navigations).toEqual([]);
    await page.screenshot({ path: artifact("webui-quota-warning-1280.png"), fullPage: true });

    // Critical: dispatching is held; a new task stays queued and can be paused and resumed on its page.
    statusLine(s, 93, 40, resets);
    await quota.locator(".badge.held").getByText("held (critical)").waitFor({ timeout: 15_000 });
    expect(await quota.locator(".quota-reason").textContent()).toContain("5-hour usage 93% (statusline)");
    const task = s.json<{ id: number }>(["task", "create", "-p", "quotademo", "Add a greeting file"]);
    await page.goto(`${new URL(url).origin}/#/task/${task.id}`);
    await page.locator(".task-head .badge.state-queued").waitFor();
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await page.locator(".task-head .badge.state-paused").waitFor();
    await page.getByTestId("paused-note").getByText("by hand").waitFor();
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await page.locator(".task-head .badge.state-queued").waitFor();
    const history = s.json<{ transitions: { to: string; actor: string }[] }>([
      "task",
      "show",
      String(task.id),
    ]);
    expect(history.transitions.map((t) => [t.to, t.actor])).toEqual([
      ["queued", "cli"],
      ["paused", "web"],
      ["queued", "web"],
    ]);
    expect(s.json<{ state: string }>(["task", "show", String(task.id)]).state).toBe("queued");

    // Resume work from the dashboard: auto-pause is overridden until the reset and the task runs.
    await page.goto(`${new URL(url).origin}/#/dashboard`);
    await quota.locator(".badge.held").getByText("held (critical)").waitFor();
    await page.screenshot({ path: artifact("webui-quota-held-1280.png"), fullPage: true });
    await quota.getByRole("button", { name: "Resume work" }).click();
    await quota.getByText(/Auto-pause overridden until/).waitFor();
    await quota.locator(".badge.running").waitFor();
    await waitForTaskState(s, task.id, ["awaiting_approval"]);
    await quota.getByRole("button", { name: "Pause all work" }).click();
    await quota.locator(".badge.held").getByText("held (by hand)").waitFor();
    expect(s.json<{ held: boolean; holdCause: string }>(["quota", "status"])).toMatchObject({
      held: true,
      holdCause: "manual",
    });
    await quota.getByRole("button", { name: "Resume work" }).click();
    await quota.locator(".badge.running").waitFor();

    // Phone width, light and dark, no overflow.
    for (const theme of ["light", "dark"] as const) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.evaluate((t) => localStorage.setItem("ccm-theme", t), theme);
      await page.reload();
      await page.locator('[data-window="five_hour"] .qwin-pct').getByText("93%").waitFor();
      await page.getByTestId("quota-history").locator("canvas").waitFor();
      await noHorizontalOverflow(page);
      await page.screenshot({ path: artifact(`webui-quota-390-${theme}.png`), fullPage: true });
    }
    // Keyboard: the controls are real buttons; Enter on the focused one acts.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole("button", { name: "Pause all work" }).focus();
    await page.keyboard.press("Enter");
    await quota.locator(".badge.held").getByText("held (by hand)").waitFor();
    expect(failures).toEqual([]);
  });
});
