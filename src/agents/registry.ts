import type { RawConfig } from "../config/schema.js";
import { CcmError } from "../errors.js";
import type { AgentAdapter } from "./adapter.js";
import { createClaudeCodeAdapter, type WriteClaudeSettings } from "./claude-code/adapter.js";
import { createCustomAdapter } from "./custom/adapter.js";
import { createDemoAdapter } from "./demo/adapter.js";
import { createGeminiCliAdapter } from "./gemini-cli/adapter.js";

/** "demo" is the scripted agent of `ccm demo`: no API key, clearly labelled, real hooks and stages. */
export const BUILT_IN_AGENTS = ["claude-code", "gemini-cli", "demo"] as const;

export interface RegistryDeps {
  /** Writes Claude Code's per-run settings file (the hook settings builder, agents/claude-code/settings). */
  writeClaudeSettings: WriteClaudeSettings;
  /** For Gemini: the directory holding the user's real `.gemini` (default: Gemini's own rule). */
  geminiUserHome?: string;
}

/**
 * The adapter for an agent name: "claude-code", "gemini-cli", or a key of `agents.custom`. The Claude
 * settings writer is passed in because it lives with the hook settings, wired at the daemon's entry.
 */
export function resolveAdapter(
  name: string,
  config: Pick<RawConfig, "agents">,
  deps: RegistryDeps,
): AgentAdapter {
  const { agents } = config;
  const custom = Object.hasOwn(agents.custom, name) ? agents.custom[name] : undefined;
  if (custom !== undefined && (BUILT_IN_AGENTS as readonly string[]).includes(name)) {
    throw new CcmError("CONFIG_INVALID", `agents.custom.${name} has the name of a built-in agent.`, {
      hint: `Rename it: "${name}" always means the built-in agent.`,
    });
  }
  switch (name) {
    case "claude-code":
      return createClaudeCodeAdapter({
        command: agents.claude_code.command,
        extraArgs: agents.claude_code.args,
        writeSettings: deps.writeClaudeSettings,
      });
    case "gemini-cli":
      return createGeminiCliAdapter({
        command: agents.gemini_cli.command,
        extraArgs: agents.gemini_cli.args,
        ...(deps.geminiUserHome === undefined ? {} : { userHome: deps.geminiUserHome }),
      });
    case "demo":
      return createDemoAdapter();
    default:
      if (custom !== undefined) {
        return createCustomAdapter({ name, command: custom.command, promptVia: custom.prompt_via });
      }
      throw new CcmError("INVALID_ARGUMENT", `Unknown agent "${name}".`, {
        hint: `Known agents: ${knownAgents(config).join(", ")}. Custom agents are defined under agents.custom in ~/.ccm/config.yaml.`,
        details: { agent: name, known: knownAgents(config) },
      });
  }
}

export function knownAgents(config: Pick<RawConfig, "agents">): string[] {
  return [...BUILT_IN_AGENTS, ...Object.keys(config.agents.custom).sort()];
}
