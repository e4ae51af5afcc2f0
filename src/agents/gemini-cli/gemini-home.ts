import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CcmError } from "../../errors.js";
import type { StageRequest } from "../adapter.js";
import { buildGeminiHookSettings } from "./hooks.js";

/**
 * How ccm gives one Gemini CLI run its hooks without touching the user's files.
 *
 * Gemini has no `--settings` flag. The reference's per-process layer, GEMINI_CLI_SYSTEM_SETTINGS_PATH,
 * does not work for ordinary users: 0.61.0 skips a system settings file unless it and every parent
 * directory are owned by root and not group/other-writable ("Security Warning: Skipping system settings
 * file …", observed). User and project settings files are shared, so ccm writes neither.
 *
 * What works (observed with 0.61.0): GEMINI_CLI_HOME, which moves Gemini's whole `~/.gemini`. Each run
 * gets `<runDir>/gemini-home/.gemini/` holding a copy of the user's settings.json plus ccm's hooks, and
 * a symlink to every other entry of the real `~/.gemini` (credentials, sessions under tmp/, trusted
 * folders, extensions), so login, sessions and resume behave as usual. Gemini replaces a few top-level
 * files atomically (projects.json); those changes stay in the run's copy.
 */
export const GEMINI_HOME_ENV = "GEMINI_CLI_HOME";

/** The directory holding the user's real `.gemini` (Gemini's own rule: GEMINI_CLI_HOME, else HOME). */
export function defaultUserGeminiHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[GEMINI_HOME_ENV];
  return configured !== undefined && configured !== "" ? configured : homedir();
}

/** Builds the run's Gemini home; returns the value for GEMINI_CLI_HOME. */
export async function prepareGeminiHome(req: StageRequest, userHome: string): Promise<string> {
  const real = join(userHome, ".gemini");
  const home = join(req.runDir, "gemini-home");
  const dotGemini = join(home, ".gemini");
  await mkdir(dotGemini, { recursive: true, mode: 0o700 });
  // Sessions must outlive the run so a follow-up can resume: make sure the real session store exists
  // (Gemini creates the same folder on its own first run) before linking it.
  await mkdir(join(real, "tmp"), { recursive: true, mode: 0o700 });

  const settings = mergeHooks(await readUserSettings(join(real, "settings.json")), req);
  await writeFile(join(dotGemini, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`, {
    mode: 0o600,
  });
  for (const entry of await readdir(real)) {
    if (entry === "settings.json") continue;
    await symlink(join(real, entry), join(dotGemini, entry));
  }
  // Gemini falls back to `~/.env` from its home: keep the user's.
  if (existsSync(join(userHome, ".env"))) await symlink(join(userHome, ".env"), join(home, ".env"));
  return home;
}

/** The user's settings with ccm's hooks added after theirs. */
function mergeHooks(user: Record<string, unknown>, req: StageRequest): Record<string, unknown> {
  const ours = buildGeminiHookSettings(req.hook, req.env).hooks;
  const hooksConfig = isObject(user.hooksConfig) ? user.hooksConfig : {};
  // A user who switched hooks off keeps their own hooks off, but ccm's must run.
  const userHooksOff = hooksConfig.enabled === false;
  const userHooks = !userHooksOff && isObject(user.hooks) ? user.hooks : {};
  const hooks: Record<string, unknown> = { ...userHooks };
  for (const [event, groups] of Object.entries(ours)) {
    const existing = userHooks[event];
    hooks[event] = [...(Array.isArray(existing) ? existing : []), ...(groups ?? [])];
  }
  return { ...user, hooksConfig: { ...hooksConfig, enabled: true }, hooks };
}

async function readUserSettings(path: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripJsonComments(await readFile(path, "utf8")));
  } catch (error) {
    throw new CcmError("CONFIG_INVALID", `Cannot read Gemini CLI's settings ${path}.`, {
      hint: "ccm copies that file into each run to add its hooks; fix its JSON (gemini itself would refuse it too).",
      cause: error,
    });
  }
  if (!isObject(parsed))
    throw new CcmError("CONFIG_INVALID", `Gemini CLI's settings ${path} is not a JSON object.`);
  return parsed;
}

/** Gemini's settings files may hold // and /* *\/ comments (it strips them itself); strings are kept. */
export function stripJsonComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i += 1;
    } else if (char === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
