import type { AgentAdapter, AgentResult, ExitInfo, LaunchSpec, StageRequest } from "../adapter.js";
import { describeExit, exitedCleanly, stderrSummary } from "../exit-status.js";
import { checkExtraArgs, checkPrompt } from "../prompt.js";
import { buildClaudeCommand, CLAUDE_RESERVED_FLAGS } from "./command.js";
import { resolveClaudePermissionMode } from "./permission-mode.js";
import { createClaudeStreamParser } from "./stream-parser.js";

/** Writes the run's Claude Code settings file (hooks, sandbox, status line) into runDir; returns its path. */
export type WriteClaudeSettings = (runDir: string, req: StageRequest) => Promise<string>;

export interface ClaudeCodeAdapterOptions {
  /** Executable; `agents.claude_code.command`. */
  command?: string;
  /** `agents.claude_code.args`, placed before the stage's own extra arguments. */
  extraArgs?: readonly string[];
  writeSettings: WriteClaudeSettings;
  /** Prompts longer than this many UTF-8 bytes go on stdin; see MAX_PROMPT_ARG_BYTES. */
  maxPromptArgBytes?: number;
}

export function createClaudeCodeAdapter(options: ClaudeCodeAdapterOptions): AgentAdapter {
  const command = options.command ?? "claude";
  const configured = options.extraArgs ?? [];
  checkExtraArgs(configured, CLAUDE_RESERVED_FLAGS, "agents.claude_code.args", "CONFIG_INVALID");

  return {
    kind: "claude-code",
    name: "claude-code",

    async launch(req: StageRequest): Promise<LaunchSpec> {
      checkPrompt(req.prompt, "Claude Code");
      const stageArgs = req.extraArgs ?? [];
      checkExtraArgs(stageArgs, CLAUDE_RESERVED_FLAGS, "the stage's extra arguments", "INVALID_ARGUMENT");
      const permissionMode = resolveClaudePermissionMode(req.permissionMode, req.readOnly);
      const settingsPath = await options.writeSettings(req.runDir, req);
      const built = buildClaudeCommand({
        mode: req.mode,
        prompt: req.prompt,
        settingsPath,
        ...(permissionMode === undefined ? {} : { permissionMode }),
        ...(req.resumeSessionId === undefined ? {} : { resumeSessionId: req.resumeSessionId }),
        extraArgs: [...configured, ...stageArgs],
        ...(options.maxPromptArgBytes === undefined ? {} : { maxPromptArgBytes: options.maxPromptArgBytes }),
      });
      return {
        command,
        args: built.args,
        env: { ...req.env },
        interactive: req.mode === "interactive",
        ...(built.stdin === undefined ? {} : { stdin: built.stdin }),
        ...(built.initialInput === undefined ? {} : { initialInput: built.initialInput }),
      };
    },

    createParser: createClaudeStreamParser,

    finish: finishClaudeRun,
  };
}

/**
 * The result line decides, unless the process then failed: Claude exits 1 on an `is_error` result, so a
 * non-zero exit after a successful result means something went wrong after the turn (or it was killed).
 * An interactive (TUI) run has no result line; its outcome comes from the Stop hook, not from here.
 */
export function finishClaudeRun(exit: ExitInfo, last: AgentResult | undefined): AgentResult {
  const how = `Claude Code ${describeExit(exit)}`;
  const stderr = stderrSummary(exit);
  const withStderr = (message: string) => (stderr === undefined ? message : `${message}: ${stderr}`);
  if (last !== undefined) {
    if (!last.ok || exitedCleanly(exit)) return last;
    return { ...last, ok: false, error: withStderr(`${how} after reporting success`) };
  }
  if (exitedCleanly(exit)) {
    return { ok: false, text: "", error: "Claude Code exited without reporting a result (no result line)." };
  }
  const error = withStderr(`${how} before reporting a result`);
  return { ok: false, text: stderr ?? "", error };
}
