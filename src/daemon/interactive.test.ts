import { describe, expect, it } from "vitest";
import {
  EXIT_RETRY_MS,
  type InteractiveFacts,
  interactiveAction,
  SESSION_START_WAIT_MS,
  SUBMIT_WAIT_MS,
} from "./interactive.js";

const base: InteractiveFacts = {
  now: 100_000,
  startedAt: 99_000,
  status: "working",
  sessionId: null,
  hasInput: true,
  inputSentAt: undefined,
  enterRetried: false,
  submitted: false,
  lastNotification: undefined,
  exitSentAt: undefined,
};
const typed = { ...base, sessionId: "s-1", inputSentAt: 99_500 };
const submitted = { ...typed, submitted: true };

describe("interactiveAction", () => {
  it("waits for SessionStart before typing, then types the prompt once", () => {
    expect(interactiveAction(base)).toBe("none");
    expect(interactiveAction({ ...base, sessionId: "s-1" })).toBe("type-prompt");
    expect(interactiveAction({ ...base, sessionId: "s-1", hasInput: false })).toBe("none");
    expect(interactiveAction(typed)).toBe("none");
  });

  it("reports a session that does not start (a dialog) once, and still types when it does start", () => {
    const late = { ...base, now: base.startedAt + SESSION_START_WAIT_MS };
    expect(interactiveAction(late)).toBe("report-not-started");
    expect(interactiveAction({ ...late, status: "waiting" })).toBe("none");
    expect(interactiveAction({ ...late, status: "waiting", sessionId: "s-1" })).toBe("type-prompt");
  });

  it("presses Enter again, once, when the typed prompt was not submitted", () => {
    const later = { ...typed, now: typed.inputSentAt + SUBMIT_WAIT_MS };
    expect(interactiveAction({ ...typed, now: later.now - 1 })).toBe("none");
    expect(interactiveAction(later)).toBe("press-enter");
    expect(interactiveAction({ ...later, enterRetried: true })).toBe("none");
    expect(interactiveAction({ ...later, submitted: true })).toBe("none");
  });

  it("exits only once the turn is over: idle after Stop, or idle_prompt after a submitted prompt", () => {
    expect(interactiveAction(submitted)).toBe("none");
    expect(interactiveAction({ ...submitted, status: "idle" })).toBe("exit");
    // A Stop also means the prompt went in, whether or not its UserPromptSubmit was stored.
    expect(interactiveAction({ ...typed, status: "idle" })).toBe("exit");
    expect(
      interactiveAction({ ...submitted, status: "waiting", lastNotification: "permission_prompt" }),
    ).toBe("none");
    expect(interactiveAction({ ...submitted, status: "waiting", lastNotification: "idle_prompt" })).toBe(
      "exit",
    );
    // An idle_prompt while the prompt still sits unsubmitted in the box is not the end of a turn.
    expect(interactiveAction({ ...typed, status: "waiting", lastNotification: "idle_prompt" })).toBe("none");
  });

  it("types /exit once, and again only if the session is still at its prompt after a while", () => {
    const idle = { ...submitted, status: "idle" as const };
    expect(interactiveAction({ ...idle, exitSentAt: idle.now - 1 })).toBe("none");
    expect(interactiveAction({ ...idle, exitSentAt: idle.now - EXIT_RETRY_MS })).toBe("exit");
  });
});
