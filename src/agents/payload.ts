/** Event payloads go into SQLite rows and SSE messages: keep each one small. */
export const MAX_PAYLOAD_CHARS = 4096;

/** Cuts text to `max` characters, saying how much was dropped. */
export function truncateText(text: string, max = MAX_PAYLOAD_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/**
 * A JSON value as is when it serialises to at most `max` characters, else a preview of its JSON. Tool inputs
 * (a Write's whole file) and tool outputs can be megabytes.
 */
export function compactValue(value: unknown, max = MAX_PAYLOAD_CHARS): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return "[unserialisable]";
  }
  if (json === undefined || json.length <= max) return value;
  return { truncated: true, chars: json.length, preview: json.slice(0, max) };
}

/** Parses one output line as a JSON object; anything else (blank, text, arrays, bad JSON) gives undefined. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
