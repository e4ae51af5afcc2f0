import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface TailChunk {
  /** Complete lines read (without their newline). */
  lines: string[];
  /** Where the next read starts: just after the last complete line. A partial last line is read again. */
  offset: number;
}

const MAX_CHUNK = 8 * 1024 * 1024;

/**
 * Reads the complete lines appended to `file` since `offset`. Never re-reads what was consumed, never
 * consumes a line the writer has not finished. A missing file reads as nothing yet.
 */
export function readNewLines(file: string, offset: number): TailChunk {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return { lines: [], offset };
  }
  if (size <= offset) return { lines: [], offset: size < offset ? 0 : offset };
  const length = Math.min(size - offset, MAX_CHUNK);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, "r");
  let read: number;
  try {
    read = readSync(fd, buffer, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  const lastNewline = buffer.lastIndexOf(0x0a, read - 1);
  if (lastNewline < 0) {
    // One line longer than the chunk: hand it over whole rather than stall forever.
    if (read === MAX_CHUNK) return { lines: [buffer.toString("utf8", 0, read)], offset: offset + read };
    return { lines: [], offset };
  }
  const text = buffer.toString("utf8", 0, lastNewline);
  return { lines: text.split("\n").filter((l) => l.length > 0), offset: offset + lastNewline + 1 };
}
