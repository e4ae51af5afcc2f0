import type { AgentRunStatus } from "../store/agents.js";

/**
 * How the daemon drives an interactive (TUI) run, decided from structured signals only (hook events and
 * the run's own files, never the screen): type the prompt once the session has started, make sure it was
 * submitted, and end the session with /exit once its turn is over.
 *
 * Observed with Claude Code 2.1.330 (test/e2e/run-task-interactive.test.ts):
 * - SessionStart fires ~0.1 s before the prompt is drawn, with the terminal already in raw mode; keys typed
 *   from then on are kept. No hook fires while a first-run dialog (folder trust, bypass-permissions
 *   warning) is shown, so a session that never starts is reported, and nothing is typed into a dialog.
 * - /exit typed during a turn (a tool running, the model thinking) quits at once and loses the turn; an
 *   extra Enter on an empty prompt, or during a turn, does nothing.
 * - `idle_prompt` (Notification) fires when the TUI has sat at its prompt for messageIdleNotifThresholdMs
 *   (default 60 s): it turns the status to "waiting", but the turn is over.
 */

/** How long a TUI may take to start its session before the run is reported as waiting for someone. */
export const SESSION_START_WAIT_MS = 20_000;
/** How long after typing the prompt a missing UserPromptSubmit makes the daemon press Enter again (once). */
export const SUBMIT_WAIT_MS = 5_000;
/** How long after /exit a session still at its prompt gets /exit again. */
export const EXIT_RETRY_MS = 15_000;

export interface InteractiveFacts {
  now: number;
  startedAt: number;
  status: AgentRunStatus;
  /** Set by the SessionStart hook. */
  sessionId: string | null;
  /** The prompt to type has been written (initial-input.txt). */
  hasInput: boolean;
  /** When the prompt was typed, if it was. */
  inputSentAt: number | undefined;
  /** Enter was pressed a second time already. */
  enterRetried: boolean;
  /** A UserPromptSubmit hook was seen for this run. */
  submitted: boolean;
  /** The type of the last Notification hook of this run, if any. */
  lastNotification: string | undefined;
  /** When /exit was last typed, if it was. */
  exitSentAt: number | undefined;
}

export type InteractiveAction =
  | "none"
  /** The session has not started after SESSION_START_WAIT_MS: probably a dialog only a person can answer. */
  | "report-not-started"
  | "type-prompt"
  | "press-enter"
  | "exit";

export function interactiveAction(f: InteractiveFacts): InteractiveAction {
  if (f.inputSentAt === undefined) {
    if (f.sessionId === null) {
      return f.status === "working" && f.now - f.startedAt >= SESSION_START_WAIT_MS
        ? "report-not-started"
        : "none";
    }
    return f.hasInput ? "type-prompt" : "none";
  }
  // The turn is over: a Stop (or StopFailure) let it stop, or the TUI has sat idle at its prompt since.
  const atPrompt =
    f.status === "idle" || (f.submitted && f.status === "waiting" && f.lastNotification === "idle_prompt");
  if (atPrompt) {
    return f.exitSentAt !== undefined && f.now - f.exitSentAt < EXIT_RETRY_MS ? "none" : "exit";
  }
  // Typed but never submitted (an Enter taken as a newline, or lost): press it once more.
  if (!f.submitted && !f.enterRetried && f.now - f.inputSentAt >= SUBMIT_WAIT_MS) return "press-enter";
  return "none";
}
