import { CcmError } from "../../errors.js";

/**
 * The `--permission-mode` values Claude Code accepts. 2.1.330's --help lists `manual` instead of `default`
 * but still accepts `default` (observed), and 2.1.197 knows only `default`, so `default` is the spelling
 * we pass for Manual.
 */
export const CLAUDE_PERMISSION_MODES = [
  "acceptEdits",
  "auto",
  "bypassPermissions",
  "default",
  "dontAsk",
  "plan",
] as const;
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

/** Other spellings users write: Claude's own `manual`, and Gemini's approval modes. */
const ALIASES: Readonly<Record<string, ClaudePermissionMode>> = {
  manual: "default",
  yolo: "bypassPermissions",
  autoedit: "acceptEdits",
};

/** Case, `-` and `_` do not matter: `accept-edits`, `bypass_permissions` and `ACCEPTEDITS` all match. */
function normalise(value: string): string {
  return value.replace(/[-_\s]/g, "").toLowerCase();
}

const BY_KEY = new Map<string, ClaudePermissionMode>([
  ...CLAUDE_PERMISSION_MODES.map((mode) => [normalise(mode), mode] as const),
  ...Object.entries(ALIASES),
]);

/**
 * The mode to pass as `--permission-mode`, or undefined to pass none (Claude's default, or the settings'
 * `permissions.defaultMode`). Read-only stages always run in `plan`, whatever the project configures.
 */
export function resolveClaudePermissionMode(
  configured: string | undefined,
  readOnly: boolean,
): ClaudePermissionMode | undefined {
  // Validate even when read-only overrides it: a typo should surface on the first (planning) run.
  const mode = configured === undefined ? undefined : parseClaudePermissionMode(configured);
  return readOnly ? "plan" : mode;
}

export function parseClaudePermissionMode(value: string): ClaudePermissionMode {
  const mode = BY_KEY.get(normalise(value));
  if (mode === undefined) {
    throw new CcmError("INVALID_ARGUMENT", `Unknown Claude Code permission mode "${value}".`, {
      hint: `Use one of: ${CLAUDE_PERMISSION_MODES.join(", ")} (manual means default).`,
      details: { allowed: [...CLAUDE_PERMISSION_MODES] },
    });
  }
  return mode;
}
