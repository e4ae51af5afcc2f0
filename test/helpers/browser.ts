import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { REPO_ROOT, type Sandbox } from "./cli.js";

/** Debian's Chromium (`.ci/run` installs it); playwright-core drives it, no browser download. */
export const CHROMIUM = process.env.CCM_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

export async function launchChromium(): Promise<Browser & AsyncDisposable> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does), or set CCM_CHROMIUM`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces we do not have.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

export function artifact(name: string): string {
  return join(ARTIFACTS, name);
}

/** Switches the sandbox's daemon to serve the web UI (agentWorld sets up the minimal profile). */
export function fullProfile(s: Sandbox): void {
  const file = join(s.ccmHome, "config.yaml");
  const text = readFileSync(file, "utf8").replace("web_ui:\n  enabled: false", "web_ui:\n  enabled: true");
  if (!text.includes("web_ui:\n  enabled: true")) throw new Error("could not switch the web UI on");
  writeFileSync(file, text, { mode: 0o600 });
}

export async function noHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(widths.scroll, `page is ${widths.scroll}px wide in a ${widths.inner}px window`).toBeLessThanOrEqual(
    widths.inner,
  );
}

/** A registered project run by the built-in demo agent, straight to executing (no other stages). */
export function demoProject(s: Sandbox, name: string): string {
  const repo = s.gitRepo(name);
  s.run(["init"], { cwd: repo });
  writeFileSync(
    join(repo, ".ccm", "config.yaml"),
    `name: ${name}\nbase_branch: main\nagent: demo\nstages: {planning: false, reviewing: false, verifying: false}\n`,
  );
  return repo;
}
