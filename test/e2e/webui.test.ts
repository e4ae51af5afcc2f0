/// <reference lib="dom" />
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hookTokenOf } from "../../src/server/token.js";
import { agentWorld } from "../helpers/agent-world.js";
import {
  artifact,
  demoProject,
  fullProfile,
  launchChromium,
  noHorizontalOverflow,
} from "../helpers/browser.js";

// The web UI in Debian's Chromium against a real daemon running the built-in demo agent in tmux.

const TIMEOUT = 120_000;

/** Raw HTTP so the Host header can be forged (fetch cannot set it). */
function rawRequest(
  port: number,
  path: string,
  host: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: { host, ...options.headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
const rawGet = (port: number, path: string, host: string) => rawRequest(port, path, host);

describe("web UI in Chromium", () => {
  it("create a task in the form, watch its events arrive live, read the diff, approve: the base branch has the work", {
    timeout: TIMEOUT,
  }, async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    fullProfile(s);
    const repo = demoProject(s, "webdemo");
    // Slow steps so the page is open while the agent is still at work.
    expect(s.run(["daemon", "start"], { env: { CCM_DEMO_STEP_MS: "700" } }).code).toBe(0);
    const status = s.json<{ url: string }>(["daemon", "status"]);
    const port = Number(new URL(status.url).port);

    expect(await rawGet(port, "/", "evil.example")).toBe(403);
    expect(await rawGet(port, "/", `127.0.0.1:${port}`)).toBe(200);

    const { url } = s.json<{ url: string; uiEnabled: boolean }>(["ui", "--print"]);
    await using browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on("pageerror", (e) => failures.push(String(e)));
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe("/");
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "ccm_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
    await page.getByRole("heading", { name: "Quota" }).waitFor();
    await page.getByTestId("quota").getByText("no quota data yet").waitFor();
    await page.screenshot({ path: artifact("webui-dashboard-empty-1280.png") });

    // The new-task form.
    await page.getByRole("link", { name: "New task" }).first().click();
    await page.getByLabel("Project", { exact: true }).selectOption("webdemo");
    await page.getByLabel("Prompt", { exact: true }).fill("Add a greeting file");
    await page.getByLabel("Priority", { exact: true }).selectOption("high");
    await page.getByRole("button", { name: "Queue task" }).click();
    await page.waitForURL(/#\/task\/\d+$/);
    const taskId = Number(page.url().split("/").at(-1));
    await page.getByRole("heading", { name: new RegExp(`#${taskId} Add a greeting file`) }).waitFor();

    // Events arrive over SSE while the agent works: the list grows without a reload.
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    const events = page.getByTestId("events").locator("li");
    await events.first().waitFor({ timeout: 30_000 });
    const firstCount = await events.count();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="events"] li').length > n,
      firstCount,
      { timeout: 30_000 },
    );
    await page.locator('[data-event="PreToolUse"]').first().waitFor();
    expect(navigations).toEqual([]);
    await page.screenshot({ path: artifact("webui-task-live-1280.png"), fullPage: true });

    // Finished work: the state badge follows the transitions live.
    await page.locator(".task-head .badge.state-awaiting_approval").waitFor({ timeout: 60_000 });
    await page.getByRole("tab", { name: "Diff" }).click();
    const diff = page.getByTestId("diff");
    await diff.getByRole("navigation", { name: "Changed files" }).getByText("greeting.txt").waitFor();
    await page.getByLabel("Side by side", { exact: true }).check();
    expect(await diff.locator("table.diff.split").count()).toBeGreaterThan(0);
    await page.screenshot({ path: artifact("webui-diff-split-1280.png"), fullPage: true });
    await page.getByLabel("Inline", { exact: true }).check();
    expect(await diff.locator("tr.add").count()).toBeGreaterThan(0);
    await page.screenshot({ path: artifact("webui-diff-inline-1280.png"), fullPage: true });

    await page.getByLabel("Strategy", { exact: true }).selectOption("squash");
    await page.getByRole("button", { name: "Approve and squash" }).click();
    await page.getByRole("status").filter({ hasText: "Merged into main" }).waitFor();
    await page.locator(".task-head .badge.state-merged").waitFor();
    const greeting = execFileSync("git", ["show", "main:greeting.txt"], { cwd: repo, encoding: "utf8" });
    expect(greeting).toMatch(/Hello from ccm/);

    // Layout at laptop and phone width, light and dark, on every page.
    for (const [width, height] of [
      [1280, 720],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const route of [
        "dashboard",
        "tasks",
        `task/${taskId}`,
        "new",
        "projects",
        "agents",
        "analytics",
      ]) {
        await page.goto(`http://127.0.0.1:${port}/#/${route}`);
        await page.locator("main h1, main h2").first().waitFor();
        if (route === "analytics") await page.getByTestId("success-rate").waitFor();
        await noHorizontalOverflow(page);
        await page.screenshot({
          path: artifact(`webui-${route.replace("/", "-")}-${width}.png`),
          fullPage: true,
        });
      }
    }
    await page.getByTestId("success-rate").getByText("100%").waitFor();
    await page.getByRole("button", { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.screenshot({ path: artifact("webui-analytics-390-dark.png"), fullPage: true });

    // Keyboard: the first Tab lands on the skip link, Enter moves focus to the content.
    await page.goto(`http://127.0.0.1:${port}/#/dashboard`);
    await page.reload();
    await page.getByRole("heading", { name: "Quota" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(failures).toEqual([]);
  });

  it("a browser without the session cookie can read but not change anything", {
    timeout: TIMEOUT,
  }, async () => {
    await using stack = new AsyncDisposableStack();
    const s = agentWorld(stack);
    fullProfile(s);
    demoProject(s, "ro");
    expect(s.run(["daemon", "start"]).code).toBe(0);
    const { url } = s.json<{ url: string }>(["daemon", "status"]);
    const port = Number(new URL(url).port);
    // The http hook route: agents' derived token only; the local token itself is not a hook credential.
    const token = readFileSync(join(s.ccmHome, "token"), "utf8").trim();
    expect(statSync(join(s.ccmHome, "token")).mode & 0o777).toBe(0o600);
    const hook = (authorization?: string) =>
      rawRequest(port, "/hooks/Stop", `127.0.0.1:${port}`, {
        method: "POST",
        headers: authorization ? { authorization } : {},
        body: JSON.stringify({ session_id: "s", hook_event_name: "Stop", cwd: "/", transcript_path: "/t" }),
      });
    expect(await hook()).toBe(401);
    expect(await hook(`Bearer ${token}`)).toBe(401);
    expect(await hook(`Bearer ${hookTokenOf(token)}`)).toBe(200);
    await using browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${url}/#/new`);
    await page.getByText("Read-only: this browser has no session").waitFor();
    await page.getByLabel("Prompt", { exact: true }).fill("should not be queued");
    await page.getByRole("button", { name: "Queue task" }).click();
    await page.getByRole("alert").filter({ hasText: "needs the local token" }).waitFor();
    expect(s.json<{ total: number }>(["task", "list"]).total).toBe(0);
  });
});
