import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { REPO_ROOT } from "./cli.js";

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
