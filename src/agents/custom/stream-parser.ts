import type { StreamParser, StreamUpdate } from "../adapter.js";
import { truncateText } from "../payload.js";

/** Output lines are kept as events, each cut to a few KB; there is no result line to look for. */
export const MAX_OUTPUT_LINE_CHARS = 4096;

export function createCustomStreamParser(): StreamParser {
  let started = false;
  return {
    parseLine(line: string): StreamUpdate[] {
      if (line.trim() === "") return [];
      const updates: StreamUpdate[] = [];
      if (!started) {
        started = true;
        updates.push({ kind: "status", status: "working" });
      }
      updates.push({
        kind: "event",
        event: "output",
        payload: { line: truncateText(line, MAX_OUTPUT_LINE_CHARS) },
      });
      return updates;
    },
  };
}
