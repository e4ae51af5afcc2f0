import { CcmError } from "../../errors.js";
import type { HookCommand } from "../adapter.js";

/** Gemini CLI's hook events (enum HookEventName, 0.61.0). */
export const GEMINI_HOOK_EVENTS = [
  "SessionStart",
  "SessionEnd",
  "BeforeAgent",
  "AfterAgent",
  "BeforeModel",
  "AfterModel",
  "BeforeToolSelection",
  "BeforeTool",
  "AfterTool",
  "PreCompress",
  "Notification",
] as const;
export type GeminiHookEvent = (typeof GEMINI_HOOK_EVENTS)[number];

/** The Claude Code event names our hook pipeline speaks. */
export type HookEventName =
  | "SessionStart"
  | "SessionEnd"
  | "UserPromptSubmit"
  | "Stop"
  | "PreToolUse"
  | "PostToolUse"
  | "PreCompact"
  | "Notification";

/**
 * Gemini event → our (Claude Code) event. BeforeAgent carries the prompt before a turn (UserPromptSubmit);
 * AfterAgent ends a turn with `prompt_response` and `stop_hook_active` (Stop); BeforeTool/AfterTool wrap a
 * tool call, and exit 2 blocks as PreToolUse does; AfterTool also covers failed tools (Claude splits those
 * into PostToolUseFailure). BeforeModel, AfterModel (fired per streamed chunk) and BeforeToolSelection have
 * no Claude counterpart and are not installed.
 */
const TO_OURS: Readonly<Record<GeminiHookEvent, HookEventName | undefined>> = {
  SessionStart: "SessionStart",
  SessionEnd: "SessionEnd",
  BeforeAgent: "UserPromptSubmit",
  AfterAgent: "Stop",
  BeforeTool: "PreToolUse",
  AfterTool: "PostToolUse",
  PreCompress: "PreCompact",
  Notification: "Notification",
  BeforeModel: undefined,
  AfterModel: undefined,
  BeforeToolSelection: undefined,
};

/** Our event name for a Gemini hook event name; undefined for events we do not follow or do not know. */
export function mapGeminiHookEvent(name: string): HookEventName | undefined {
  return Object.hasOwn(TO_OURS, name) ? TO_OURS[name as GeminiHookEvent] : undefined;
}

/** Gemini hook timeouts are milliseconds (default 60 s); match Claude Code's 600 s command-hook default. */
const HOOK_TIMEOUT_MS = 600_000;

/** Env var telling the hook entry that the stdin JSON and the expected output are Gemini's dialect. */
export const HOOK_AGENT_ENV = "CCM_HOOK_AGENT";

interface GeminiHookHandler {
  type: "command";
  name: string;
  command: string;
  timeout: number;
  env: Record<string, string>;
  description: string;
}

export interface GeminiHookSettings {
  hooks: Partial<Record<GeminiHookEvent, { hooks: GeminiHookHandler[] }[]>>;
}

/**
 * `settings.hooks` running ccm's hook entry for every event we follow. Gemini runs a hook's `command`
 * through bash (no exec form), so each word is single-quoted here; its own `$GEMINI_PROJECT_DIR` text
 * substitution is the one thing quoting cannot stop, so words containing it are refused. The task's
 * variables go in the handler's `env` (source-confirmed, undocumented) because Gemini may scrub the
 * environment it passes to hooks.
 */
export function buildGeminiHookSettings(
  hook: HookCommand,
  env: Readonly<Record<string, string>>,
): GeminiHookSettings {
  const hooks: GeminiHookSettings["hooks"] = {};
  for (const event of GEMINI_HOOK_EVENTS) {
    const ours = TO_OURS[event];
    if (ours === undefined) continue;
    hooks[event] = [
      {
        hooks: [
          {
            type: "command",
            name: `ccm-${event}`,
            command: shellCommand([hook.command, ...hook.args, ours]),
            timeout: HOOK_TIMEOUT_MS,
            env: { ...env, [HOOK_AGENT_ENV]: "gemini-cli" },
            description: `ccm: records ${event} as ${ours}`,
          },
        ],
      },
    ];
  }
  return { hooks };
}

const SUBSTITUTED = /\$(GEMINI_PROJECT_DIR|CLAUDE_PROJECT_DIR)/;

/** Words joined into one POSIX shell command, each quoted when it needs it. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

export function shellQuote(word: string): string {
  if (SUBSTITUTED.test(word)) {
    throw new CcmError(
      "INVALID_ARGUMENT",
      `A hook command word contains "$${SUBSTITUTED.exec(word)?.[1]}".`,
      {
        hint: "Gemini CLI substitutes that text even inside quotes; install ccm under a path without it.",
      },
    );
  }
  if (/^[A-Za-z0-9_/.,:=+@%-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
