import { readFile } from "node:fs/promises";

/**
 * The contract between the daemon and `agent-wrapper.js`, which runs each agent inside its tmux window.
 * Types only here (plus a reader for the daemon): the wrapper itself imports nothing but node: modules.
 */
export interface AgentWrapperSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Added to the window's environment (values here win). Kept in the spec file, not in tmux's argv. */
  env: Record<string, string>;
  /** Written to the agent's stdin, which is then closed (non-interactive mode only). */
  stdinText?: string;
  /** The agent is a TUI: it gets the terminal itself and nothing is logged. */
  interactive: boolean;
  /** Non-interactive: the agent's stdout is appended here as it arrives; stderr to `<logFile>.stderr`. */
  logFile: string;
  /** Written atomically once the agent has exited (an ExitRecord). */
  exitFile: string;
}

export interface ExitRecord {
  /** The agent's exit code; null when a signal ended it. 127/126: it could not be started. */
  code: number | null;
  signal: string | null;
  endedAt: string;
  /** Why the wrapper could not run the agent at all (bad spec, missing program). */
  error?: string;
}

/** Exit status of the wrapper when its own spec is unusable (the agent never started). */
export const WRAPPER_FAILED = 125;

/** The exit record, or null while the agent is still running (or its wrapper was SIGKILLed). */
export async function readExitRecord(exitFile: string): Promise<ExitRecord | null> {
  try {
    return JSON.parse(await readFile(exitFile, "utf8")) as ExitRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
