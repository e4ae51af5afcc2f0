import type { AgentMode } from "../adapter.js";
import { fitsOnCommandLine, MAX_PROMPT_ARG_BYTES, type ReservedFlag } from "../prompt.js";
import type { ClaudePermissionMode } from "./permission-mode.js";

/** Flags the adapter sets itself; the same flag in extra arguments would break the run's contract. */
export const CLAUDE_RESERVED_FLAGS: readonly ReservedFlag[] = [
  { names: ["-p", "--print"], reason: "ccm chooses print or interactive mode from the task's mode." },
  { names: ["--output-format", "--input-format"], reason: "ccm reads the stream-json output." },
  {
    names: ["--settings"],
    reason: "ccm passes its own settings file with the hooks, and only the last --settings counts.",
  },
  { names: ["--bare"], reason: "it skips hooks, which is how ccm follows the agent." },
  {
    names: ["--permission-mode", "--dangerously-skip-permissions"],
    reason: "set permission_mode in the project's .ccm/config.yaml instead (read-only stages need plan).",
  },
  {
    names: [
      "-r",
      "--resume",
      "-c",
      "--continue",
      "--session-id",
      "--fork-session",
      "--no-session-persistence",
    ],
    reason: "ccm manages sessions (follow-ups resume the run's own session).",
  },
];

export interface ClaudeCommandInput {
  mode: AgentMode;
  prompt: string;
  settingsPath: string;
  permissionMode?: ClaudePermissionMode;
  resumeSessionId?: string;
  extraArgs: readonly string[];
  maxPromptArgBytes?: number;
}

export interface ClaudeCommand {
  args: string[];
  /** Set when the prompt goes on stdin (headless prompts too long for the command line). */
  stdin?: string;
  /** Set in interactive mode: the prompt is typed into the TUI. */
  initialInput?: string;
}

/**
 * `claude -p --output-format stream-json --verbose --settings F [--permission-mode M] [--resume ID]
 * [extra…] -- PROMPT` for headless and hybrid turns; the TUI (`claude --settings F …`) for interactive.
 * The prompt comes after `--`, so a prompt starting with `-` stays a prompt and a variadic extra flag
 * (`--add-dir a b`) cannot swallow it.
 */
export function buildClaudeCommand(input: ClaudeCommandInput): ClaudeCommand {
  const common = [
    "--settings",
    input.settingsPath,
    ...(input.permissionMode === undefined ? [] : ["--permission-mode", input.permissionMode]),
    ...(input.resumeSessionId === undefined ? [] : ["--resume", input.resumeSessionId]),
    ...input.extraArgs,
  ];
  switch (input.mode) {
    case "interactive":
      return { args: common, initialInput: input.prompt };
    case "headless":
    case "hybrid": {
      const args = ["-p", "--output-format", "stream-json", "--verbose", ...common];
      if (fitsOnCommandLine(input.prompt, input.maxPromptArgBytes ?? MAX_PROMPT_ARG_BYTES)) {
        return { args: [...args, "--", input.prompt] };
      }
      return { args, stdin: input.prompt };
    }
    default:
      return input.mode satisfies never;
  }
}
