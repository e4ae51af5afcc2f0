import { CcmError } from "../../errors.js";

export type PromptVia = "arg" | "stdin";

export interface CustomCommand {
  command: string;
  args: string[];
  stdin?: string;
}

/**
 * The configured argv, then the stage's extra arguments, then the prompt as the last argument (or on
 * stdin). Never a shell string: the prompt reaches the program byte for byte, whatever quotes or `$(…)` it
 * holds.
 */
export function buildCustomCommand(
  argv: readonly string[],
  extraArgs: readonly string[],
  prompt: string,
  promptVia: PromptVia,
): CustomCommand {
  const [command, ...args] = argv;
  if (command === undefined || command === "") {
    throw new CcmError("CONFIG_INVALID", "A custom agent's command is empty.", {
      hint: "Set agents.custom.<name>.command to a list: the executable, then its arguments.",
    });
  }
  switch (promptVia) {
    case "arg":
      return { command, args: [...args, ...extraArgs, prompt] };
    case "stdin":
      return { command, args: [...args, ...extraArgs], stdin: prompt };
    default:
      return promptVia satisfies never;
  }
}
