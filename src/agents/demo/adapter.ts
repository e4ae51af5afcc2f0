import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentAdapter, LaunchSpec, StageRequest } from "../adapter.js";
import { finishClaudeRun } from "../claude-code/adapter.js";
import { createClaudeStreamParser } from "../claude-code/stream-parser.js";

const DEMO_AGENT = fileURLToPath(new URL("./demo-agent.js", import.meta.url));

/**
 * The built-in demo agent (`ccm demo`, or `agent: demo` in a project): a scripted program that needs no
 * API key. It speaks Claude Code's stream-json and calls the same hook command, so the adapter reuses the
 * Claude Code parser and result rules.
 */
export function createDemoAdapter(): AgentAdapter {
  return {
    kind: "custom",
    name: "demo",
    // It fires PreToolUse/PostToolUse through our hook entry like Claude Code (and writes its events to
    // ccm.db, which the sandbox hides).
    callsHooks: true,
    async launch(req: StageRequest): Promise<LaunchSpec> {
      return {
        command: process.execPath,
        args: [DEMO_AGENT, req.stage, req.prompt],
        env: {
          ...req.env,
          CCM_HOOK: JSON.stringify(req.hook),
          CCM_DEMO_TRANSCRIPT: join(req.runDir, "transcript.jsonl"),
        },
        interactive: false,
      };
    },
    createParser: createClaudeStreamParser,
    finish: finishClaudeRun,
  };
}
