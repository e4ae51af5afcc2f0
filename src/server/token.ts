import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../config/files.js";
import { CcmError } from "../errors.js";

/**
 * The local token: 32 random bytes in CCM_HOME/token, user-only. Whoever can read it may change things
 * through the API (scripts send it as `Authorization: Bearer`); the browser gets a cookie instead
 * (`ccm ui`). Agents never see it: the http hook transport uses a token derived from it that only the hook
 * route accepts.
 */
export function loadOrCreateToken(file: string): string {
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(token)) {
      chmodSync(file, 0o600);
      return token;
    }
  }
  const token = randomBytes(32).toString("hex");
  writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

/** Reads the token for a client (the CLI); the daemon creates it on start. */
export function readToken(file: string): string {
  if (!existsSync(file)) {
    throw new CcmError("DAEMON_NOT_RUNNING", `no local API token at ${file}`, {
      hint: "Start the daemon (`ccm daemon start`): it creates the token on start.",
    });
  }
  return readFileSync(file, "utf8").trim();
}

/** The token agents send to the hook route (CCM_HOOK_TOKEN): useless for anything else. */
export function hookTokenOf(token: string): string {
  return createHmac("sha256", token).update("ccm hook transport").digest("hex");
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
