import type { Stage } from "../core/task-state.js";

/**
 * The one interface every agent kind implements (claude-code/, gemini-cli/, custom/). An adapter is pure
 * translation: it turns a stage request into a command line (plus any per-run files such as a settings
 * file) and turns the agent's output lines into updates. Starting processes, tmux windows, worktrees and
 * the database are the runtime's job, not the adapter's.
 */

export type AgentKind = "claude-code" | "gemini-cli" | "custom";
/** headless: `-p` JSON stream in an attachable window; interactive: the TUI, prompts typed in; hybrid:
 * headless turns, follow-ups resume the same session. */
export type AgentMode = "headless" | "interactive" | "hybrid";

/** The command Claude Code (or another agent) runs for a hook event, in exec form: no shell. */
export interface HookCommand {
  /** Absolute path of the Node binary that runs the daemon (process.execPath). */
  command: string;
  /** Arguments before the event name, e.g. [<pkg>/dist/hooks/entry.js]. The adapter appends the event. */
  args: readonly string[];
}

export interface StageRequest {
  taskId: number;
  agentId: number;
  stage: Stage;
  /** The complete prompt for this run (the stage runner builds it). */
  prompt: string;
  /** The task's worktree: the agent's working directory. */
  cwd: string;
  /** A private folder for this run: settings files, logs. Exists, user-only. */
  runDir: string;
  mode: AgentMode;
  /** Resume this agent session (follow-ups, quota resume). */
  resumeSessionId?: string;
  /** Agent-specific permission / approval mode; adapters map it and refuse unknown values. */
  permissionMode?: string;
  /** Planning and reviewing must not modify files. */
  readOnly: boolean;
  hook: HookCommand;
  /** Environment the agent (and so its hooks) must see: CCM_DB, CCM_TASK_ID, CCM_AGENT_ID, ... */
  env: Readonly<Record<string, string>>;
  /** Extra arguments from config (e.g. --model). */
  extraArgs?: readonly string[];
}

export interface LaunchSpec {
  /** Executable and arguments; run directly (argument array), never through a shell. */
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Text written to the agent's stdin, then stdin is closed (custom agents taking the prompt on stdin). */
  stdin?: string;
  /** The agent needs a terminal (TUI): its output is not captured as a stream. */
  interactive: boolean;
  /** Interactive mode: text to type once the agent is ready (sent with send-keys -l, then Enter). */
  initialInput?: string;
}

export type AgentStatus = "working" | "waiting" | "idle";

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface AgentResult {
  ok: boolean;
  /** Final assistant text (or the error text). */
  text: string;
  sessionId?: string;
  /**
   * What this run consumed, not the session's running total: a resumed Claude Code session reports
   * cumulative `total_cost_usd`/`modelUsage`, so adapters take the per-run figures where the agent gives
   * them. The runs of a task therefore add up.
   */
  costUsd?: number;
  usage?: TokenUsage;
  numTurns?: number;
  /** Why it failed, in words a user understands. */
  error?: string;
}

/** What one output line meant. Lines that mean nothing give an empty list, never an exception. */
export type StreamUpdate =
  | { kind: "session"; sessionId: string; model?: string }
  /** `event` names: tool_use, tool_result, permission_denied, api_retry, api_error, warning, output. */
  | { kind: "event"; event: string; tool?: string; payload: unknown }
  /** `currentTool`: a name sets it, null clears it, absent leaves it as it was. */
  | { kind: "status"; status: AgentStatus; currentTool?: string | null }
  | { kind: "result"; result: AgentResult };

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** The end of the agent's stderr, when the runtime kept it: bad flags and auth failures are told there. */
  stderr?: string;
}

/** Reads one run's output. Holds per-run state (tool names by id, text so far), so make one per run. */
export interface StreamParser {
  /** Parses one line of the agent's stdout (headless modes). Never throws. */
  parseLine(line: string): StreamUpdate[];
}

export interface AgentAdapter {
  readonly kind: AgentKind;
  /** The name the user configures: "claude-code", "gemini-cli", or the custom agent's key. */
  readonly name: string;
  /**
   * The agent calls ccm's hook entry before every tool, so the built-in guard sees what it does. Agents
   * that do not are run in the OS sandbox (runtime/sandbox.ts). Default: false for kind "custom".
   */
  readonly callsHooks?: boolean;
  /** Builds the command line; may write files into req.runDir (e.g. the per-run settings file). */
  launch(req: StageRequest): Promise<LaunchSpec>;
  /**
   * A parser for one run's stdout. Per run because some agents need memory across lines: Gemini's result
   * event carries no text (it is the assistant deltas since the last tool call) and Claude's tool_result
   * lines name only the tool_use id. A re-adopted run is parsed again from the start of its log.
   */
  createParser(): StreamParser;
  /** The run's outcome from its exit and the last result line seen (if any). */
  finish(exit: ExitInfo, last: AgentResult | undefined): AgentResult;
}
