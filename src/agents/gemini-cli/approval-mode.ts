import { CcmError } from "../../errors.js";

/** `--approval-mode` choices of Gemini CLI 0.61.0. */
export const GEMINI_APPROVAL_MODES = ["default", "auto_edit", "yolo", "plan"] as const;
export type GeminiApprovalMode = (typeof GEMINI_APPROVAL_MODES)[number];

/**
 * Claude Code's names for the same modes, so a project's `permission_mode` keeps working when it switches
 * agent. Claude's `auto` and `dontAsk` have no Gemini equivalent and are refused.
 */
const CLAUDE_EQUIVALENTS: Readonly<Record<string, GeminiApprovalMode>> = {
  manual: "default",
  acceptedits: "auto_edit",
  bypasspermissions: "yolo",
};

function normalise(value: string): string {
  return value.replace(/[-_\s]/g, "").toLowerCase();
}

const BY_KEY = new Map<string, GeminiApprovalMode>([
  ...GEMINI_APPROVAL_MODES.map((mode) => [normalise(mode), mode] as const),
  ...Object.entries(CLAUDE_EQUIVALENTS),
]);

export function parseGeminiApprovalMode(value: string): GeminiApprovalMode {
  const mode = BY_KEY.get(normalise(value));
  if (mode === undefined) {
    throw new CcmError("INVALID_ARGUMENT", `Unknown Gemini CLI approval mode "${value}".`, {
      hint: `Use one of: ${GEMINI_APPROVAL_MODES.join(", ")} (Claude's manual, acceptEdits and bypassPermissions are also understood).`,
      details: { allowed: [...GEMINI_APPROVAL_MODES] },
    });
  }
  return mode;
}

/** Read-only stages always run in `plan`; without a configured mode no flag is passed. */
export function resolveGeminiApprovalMode(
  configured: string | undefined,
  readOnly: boolean,
): GeminiApprovalMode | undefined {
  const mode = configured === undefined ? undefined : parseGeminiApprovalMode(configured);
  return readOnly ? "plan" : mode;
}
