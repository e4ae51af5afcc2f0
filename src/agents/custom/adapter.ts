import { CcmError } from "../../errors.js";
import type { AgentAdapter, AgentResult, ExitInfo, LaunchSpec, StageRequest } from "../adapter.js";
import { describeExit, exitedCleanly, stderrSummary } from "../exit-status.js";
import { checkPrompt } from "../prompt.js";
import { buildCustomCommand, type PromptVia } from "./command.js";
import { createCustomStreamParser } from "./stream-parser.js";

export interface CustomAdapterOptions {
  /** The key under agents.custom, e.g. "aider". */
  name: string;
  /** Executable and arguments (agents.custom.<name>.command). */
  command: readonly string[];
  promptVia: PromptVia;
}

/** Set for read-only stages: ccm cannot stop a custom agent from writing, so it tells it and checks after. */
export const READ_ONLY_ENV = "CCM_READ_ONLY";

/**
 * Any CLI that takes a prompt and works in its cwd. ccm knows nothing of its output, its sessions or its
 * permissions, so it runs headless only, one fresh run per stage; its output lines become events and the
 * exit code is the verdict. It sees the task's environment (CCM_*), so it may call ccm's hooks itself.
 */
export function createCustomAdapter(options: CustomAdapterOptions): AgentAdapter {
  // Fail at configuration time, not at the first task.
  buildCustomCommand(options.command, [], "probe", options.promptVia);
  const label = `Custom agent "${options.name}"`;

  return {
    kind: "custom",
    name: options.name,

    async launch(req: StageRequest): Promise<LaunchSpec> {
      checkPrompt(req.prompt, label);
      if (req.mode !== "headless") {
        throw new CcmError("INVALID_ARGUMENT", `${label} can only run headless, not ${req.mode}.`, {
          hint: "Set mode: headless in the project's .ccm/config.yaml (or agents.mode) for tasks using it.",
        });
      }
      if (req.resumeSessionId !== undefined) {
        throw new CcmError("INVALID_ARGUMENT", `${label} has no sessions to resume.`, {
          hint: "Follow-ups need claude-code or gemini-cli; queue a new task instead.",
        });
      }
      if (req.permissionMode !== undefined) {
        throw new CcmError(
          "INVALID_ARGUMENT",
          `${label} takes no permission mode (got "${req.permissionMode}").`,
          {
            hint: "Remove permission_mode from the project's .ccm/config.yaml, or put the agent's own flag in its command.",
          },
        );
      }
      const built = buildCustomCommand(options.command, req.extraArgs ?? [], req.prompt, options.promptVia);
      return {
        command: built.command,
        args: built.args,
        env: { ...req.env, ...(req.readOnly ? { [READ_ONLY_ENV]: "1" } : {}) },
        interactive: false,
        ...(built.stdin === undefined ? {} : { stdin: built.stdin }),
      };
    },

    createParser: createCustomStreamParser,

    finish(exit: ExitInfo, _last: AgentResult | undefined): AgentResult {
      if (exitedCleanly(exit)) return { ok: true, text: "" };
      const stderr = stderrSummary(exit);
      const how = `${label} ${describeExit(exit)}`;
      return { ok: false, text: stderr ?? "", error: stderr === undefined ? how : `${how}: ${stderr}` };
    },
  };
}
