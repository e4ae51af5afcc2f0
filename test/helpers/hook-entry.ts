import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./cli.js";

/** The built hook entry, as Claude Code runs it; the e2e tests need `npm run build` first. */
export const HOOK_ENTRY = join(REPO_ROOT, "dist", "hooks", "entry.js");

if (!existsSync(HOOK_ENTRY)) throw new Error(`${HOOK_ENTRY} is missing: run npm run build first`);
