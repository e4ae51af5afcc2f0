/**
 * Gemini CLI's exit codes (FatalError subclasses in the 0.61.0 bundle), in words that say what to do.
 * 41 and 55 were observed; the others are read from the bundle.
 */
export const GEMINI_EXIT_CODES: Readonly<Record<number, string>> = {
  41: "Gemini CLI is not authenticated (exit 41): set GEMINI_API_KEY (or the Vertex AI / Code Assist variables) in the daemon's environment, or run `gemini` once to log in",
  42: "Gemini CLI rejected the prompt or its arguments (exit 42)",
  44: "Gemini CLI could not set up its sandbox (exit 44)",
  52: "Gemini CLI's settings are invalid (exit 52): check ~/.gemini/settings.json, the project's .gemini/settings.json and the system settings",
  53: "Gemini CLI reached its turn limit, model.maxSessionTurns (exit 53)",
  54: "A Gemini CLI tool failed fatally (exit 54), e.g. the disk is full",
  55: "Gemini CLI refused to run in an untrusted folder (exit 55) although ccm passes --skip-trust: this gemini may be too old for it (0.61.0 has it); upgrade it, or trust the worktree folder in gemini once",
  130: "Gemini CLI was cancelled (exit 130)",
};
