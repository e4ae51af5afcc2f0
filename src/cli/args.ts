import { CcmError } from "../errors.js";

/** Parses a task id as typed by a user: `12` or `#12`. */
export function parseTaskId(raw: string): number {
  const text = raw.startsWith("#") ? raw.slice(1) : raw;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new CcmError("INVALID_ARGUMENT", `'${raw}' is not a task id`, {
      hint: "Task ids are positive numbers, as shown by `ccm task list`.",
    });
  }
  return Number(text);
}

export function parsePositiveInt(raw: string, what: string): number {
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) {
    throw new CcmError("INVALID_ARGUMENT", `${what} must be a positive whole number, not '${raw}'`);
  }
  return Number(raw);
}

/** Reads all of stdin as UTF-8 (for prompts piped in: `echo "Fix it" | ccm task create`). */
export async function readStdin(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
