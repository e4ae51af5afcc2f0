import type { Logger } from "pino";
import type { AgentAdapter, HookCommand } from "../agents/adapter.js";
import type { Config } from "../config/load.js";
import type { CcmPaths } from "../config/paths.js";
import type { Store } from "../store/db.js";
import type { SafetyControl } from "./safety.js";
import type { SandboxControl } from "./stage-sandbox.js";

/** The tmux operations the runner needs (runtime/tmux.ts implements them). */
export interface TmuxControl {
  readonly socket: string | undefined;
  ensureSession(name: string, options: { cwd: string; env?: Record<string, string> }): Promise<void>;
  newWindow(options: {
    session: string;
    name: string;
    cwd: string;
    env: Record<string, string>;
    argv: string[];
  }): Promise<{ windowId: string; panePid: number }>;
  hasWindow(windowId: string): Promise<boolean>;
  killWindow(windowId: string): Promise<void>;
  sendText(target: string, text: string): Promise<void>;
  listWindows(session: string): Promise<{ windowId: string; name: string; panePid: number }[]>;
  /** The window whose pane command contains `needle` (see Tmux.findWindowByCommand). */
  findWindowByCommand(
    session: string,
    needle: string,
  ): Promise<{ windowId: string; panePid: number } | undefined>;
}

/** The git operations the runner needs (runtime/worktree.ts implements them). */
export interface GitControl {
  createTaskWorktree(options: {
    repo: string;
    taskId: number;
    baseBranch: string;
    worktreesDir: string;
  }): Promise<{ path: string; branch: string; baseCommit: string }>;
  copyWorktreeIncludes(repo: string, worktree: string): Promise<unknown>;
  runSetup(
    worktree: string,
    command: string,
    options: { timeoutMs: number; logFile: string },
  ): Promise<unknown>;
  checkpointCommit(worktree: string, message: string): Promise<string | null>;
  commitsSince(worktree: string, baseCommit: string): Promise<{ sha: string; subject: string }[]>;
}

/** Everything the task runner works with, wired once by the daemon. */
export interface RunnerDeps {
  store: Store;
  log: Logger;
  config: Config;
  paths: CcmPaths;
  tmux: TmuxControl;
  git: GitControl;
  adapter(name: string): AgentAdapter;
  /** How agents call our hook entry (exec form). */
  hook: HookCommand;
  /** Absolute path of dist/runtime/agent-wrapper.js. */
  wrapperEntry: string;
  /** Extra environment for every agent process (CCM_HOOK_TOKEN for the http hook transport). */
  agentEnv?: Record<string, string>;
  /** The OS sandbox for agents without hooks (custom agents); absent = none (unit tests). */
  sandbox?: SandboxControl;
  /** How often windows are checked for existence (a tmux call per agent); default 2000 ms. */
  livenessEveryMs?: number;
  /** Backstops, post-run git checks, resource limits and snapshots (daemon/safety.ts); off when absent. */
  safety?: SafetyControl;
}
