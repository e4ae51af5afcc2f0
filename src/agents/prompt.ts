import { CcmError } from "../errors.js";

/**
 * Prompts longer than this (UTF-8 bytes) go on stdin instead of the command line. The command line ends up
 * in a tmux command, and tmux refuses a command over 16 KiB ("command too long", checked with tmux 3.3a);
 * Linux itself caps one argument at 128 KiB. 8 KiB leaves room for the rest of the command.
 */
export const MAX_PROMPT_ARG_BYTES = 8 * 1024;

/** Refuses an empty prompt: the agents reject it anyway, with a less helpful message. */
export function checkPrompt(prompt: string, agent: string): void {
  if (prompt.trim() === "") {
    throw new CcmError("INVALID_ARGUMENT", `The prompt for ${agent} is empty.`, {
      hint: "Give the task a prompt with some text in it.",
    });
  }
}

export function fitsOnCommandLine(prompt: string, maxBytes = MAX_PROMPT_ARG_BYTES): boolean {
  return Buffer.byteLength(prompt, "utf8") <= maxBytes;
}

/** A flag ccm manages itself, and why the user may not pass it. */
export interface ReservedFlag {
  /** Every spelling: `--settings`, `-r`, … */
  readonly names: readonly string[];
  readonly reason: string;
}

/**
 * Refuses extra arguments that would fight the flags the adapter sets (`--flag`, `--flag=value`, `-x`).
 * `source` names where the arguments came from, e.g. "agents.claude_code.args".
 */
export function checkExtraArgs(
  args: readonly string[],
  reserved: readonly ReservedFlag[],
  source: string,
  code: "CONFIG_INVALID" | "INVALID_ARGUMENT",
): void {
  for (const arg of args) {
    if (arg === "--") {
      throw new CcmError(code, `${source} must not contain "--": ccm puts the prompt after it.`, {
        hint: `Remove "--" from ${source}.`,
      });
    }
    const flag = arg.startsWith("--") ? arg.split("=", 1)[0]! : arg;
    const hit = reserved.find((entry) => entry.names.includes(flag));
    if (hit !== undefined) {
      throw new CcmError(code, `${source} must not contain ${flag}: ${hit.reason}`, {
        hint: `Remove ${flag} from ${source}.`,
        details: { flag },
      });
    }
  }
}
