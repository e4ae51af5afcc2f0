import type { AgentMode } from "../adapter.js";
import { fitsOnCommandLine, MAX_PROMPT_ARG_BYTES, type ReservedFlag } from "../prompt.js";
import type { GeminiApprovalMode } from "./approval-mode.js";

export const GEMINI_RESERVED_FLAGS: readonly ReservedFlag[] = [
  {
    names: ["-p", "--prompt", "-i", "--prompt-interactive"],
    reason: "ccm passes the prompt itself, headless or interactive from the task's mode.",
  },
  { names: ["-o", "--output-format"], reason: "ccm reads the stream-json output." },
  {
    names: ["--approval-mode", "-y", "--yolo"],
    reason: "set permission_mode in the project's .ccm/config.yaml instead (read-only stages need plan).",
  },
  {
    names: ["-r", "--resume", "--session-id", "--session-file", "--list-sessions", "--delete-session"],
    reason: "ccm manages sessions (follow-ups resume the run's own session).",
  },
  { names: ["--skip-trust"], reason: "ccm already passes it." },
  { names: ["-w", "--worktree"], reason: "ccm runs the agent in the task's own worktree." },
  { names: ["--acp", "--experimental-acp", "-l", "--list-extensions"], reason: "it is not an agent run." },
];

export interface GeminiCommandInput {
  mode: AgentMode;
  prompt: string;
  approvalMode?: GeminiApprovalMode;
  resumeSessionId?: string;
  extraArgs: readonly string[];
  maxPromptArgBytes?: number;
}

export interface GeminiCommand {
  args: string[];
  stdin?: string;
  initialInput?: string;
}

/**
 * `gemini --prompt=PROMPT -o stream-json [--approval-mode M] [--resume ID] --skip-trust [extra…]`.
 * `--prompt=` keeps the prompt one token: with `-p PROMPT` a prompt starting with "-" is read as a flag
 * ("Not enough arguments following: p", observed with 0.61.0). A long prompt goes on stdin with an empty
 * `--prompt=`, which Gemini reads as "prompt from stdin" (observed). `--skip-trust` trusts the worktree
 * for this run only; the alternative, GEMINI_CLI_TRUST_WORKSPACE=true, would be inherited by every process
 * the agent starts. Interactive mode starts the TUI and types the prompt in.
 */
export function buildGeminiCommand(input: GeminiCommandInput): GeminiCommand {
  const common = [
    ...(input.approvalMode === undefined ? [] : ["--approval-mode", input.approvalMode]),
    ...(input.resumeSessionId === undefined ? [] : ["--resume", input.resumeSessionId]),
    "--skip-trust",
    ...input.extraArgs,
  ];
  switch (input.mode) {
    case "interactive":
      return { args: common, initialInput: input.prompt };
    case "headless":
    case "hybrid": {
      if (fitsOnCommandLine(input.prompt, input.maxPromptArgBytes ?? MAX_PROMPT_ARG_BYTES)) {
        return { args: [`--prompt=${input.prompt}`, "-o", "stream-json", ...common] };
      }
      return { args: ["--prompt=", "-o", "stream-json", ...common], stdin: input.prompt };
    }
    default:
      return input.mode satisfies never;
  }
}
