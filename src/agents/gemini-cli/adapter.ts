import type { AgentAdapter, AgentResult, ExitInfo, LaunchSpec, StageRequest } from "../adapter.js";
import { describeExit, exitedCleanly, stderrSummary } from "../exit-status.js";
import { checkExtraArgs, checkPrompt } from "../prompt.js";
import { resolveGeminiApprovalMode } from "./approval-mode.js";
import { buildGeminiCommand, GEMINI_RESERVED_FLAGS } from "./command.js";
import { GEMINI_EXIT_CODES } from "./exit-codes.js";
import { defaultUserGeminiHome, GEMINI_HOME_ENV, prepareGeminiHome } from "./gemini-home.js";
import { createGeminiStreamParser } from "./stream-parser.js";

export interface GeminiCliAdapterOptions {
  /** Executable; `agents.gemini_cli.command`. */
  command?: string;
  /** `agents.gemini_cli.args`, placed before the stage's own extra arguments. */
  extraArgs?: readonly string[];
  /** The directory holding the user's real `.gemini`, overlaid for each run; see gemini-home.ts. */
  userHome?: string;
  maxPromptArgBytes?: number;
}

export function createGeminiCliAdapter(options: GeminiCliAdapterOptions = {}): AgentAdapter {
  const command = options.command ?? "gemini";
  const configured = options.extraArgs ?? [];
  checkExtraArgs(configured, GEMINI_RESERVED_FLAGS, "agents.gemini_cli.args", "CONFIG_INVALID");
  const userHome = options.userHome ?? defaultUserGeminiHome();

  return {
    kind: "gemini-cli",
    name: "gemini-cli",

    async launch(req: StageRequest): Promise<LaunchSpec> {
      checkPrompt(req.prompt, "Gemini CLI");
      const stageArgs = req.extraArgs ?? [];
      checkExtraArgs(stageArgs, GEMINI_RESERVED_FLAGS, "the stage's extra arguments", "INVALID_ARGUMENT");
      const approvalMode = resolveGeminiApprovalMode(req.permissionMode, req.readOnly);
      const geminiHome = await prepareGeminiHome(req, userHome);
      const built = buildGeminiCommand({
        mode: req.mode,
        prompt: req.prompt,
        ...(approvalMode === undefined ? {} : { approvalMode }),
        ...(req.resumeSessionId === undefined ? {} : { resumeSessionId: req.resumeSessionId }),
        extraArgs: [...configured, ...stageArgs],
        ...(options.maxPromptArgBytes === undefined ? {} : { maxPromptArgBytes: options.maxPromptArgBytes }),
      });
      return {
        command,
        args: built.args,
        env: { ...req.env, [GEMINI_HOME_ENV]: geminiHome },
        interactive: req.mode === "interactive",
        ...(built.stdin === undefined ? {} : { stdin: built.stdin }),
        ...(built.initialInput === undefined ? {} : { initialInput: built.initialInput }),
      };
    },

    createParser: createGeminiStreamParser,

    finish: finishGeminiRun,
  };
}

/**
 * The result event decides on a clean exit. Otherwise the exit code says what went wrong: Gemini's fatal
 * errors have codes of their own (41 auth, 55 untrusted folder, …), told in words that say what to do.
 */
export function finishGeminiRun(exit: ExitInfo, last: AgentResult | undefined): AgentResult {
  if (last !== undefined && exitedCleanly(exit)) return last;
  if (last === undefined && exitedCleanly(exit)) {
    return { ok: false, text: "", error: "Gemini CLI exited without reporting a result." };
  }
  const known = exit.code === null ? undefined : GEMINI_EXIT_CODES[exit.code];
  const stderr = stderrSummary(exit);
  const reason = known ?? `Gemini CLI ${describeExit(exit)}`;
  // A failed result already says what happened (same text as stderr, or better); otherwise quote stderr.
  const detail = last !== undefined && !last.ok ? last.error?.replace(/^Gemini CLI failed: /, "") : stderr;
  const error = detail === undefined || reason.includes(detail) ? reason : `${reason}: ${detail}`;
  return { ...(last ?? { text: stderr ?? "" }), ok: false, error };
}
