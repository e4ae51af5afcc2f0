import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../store/db.js";
import { parseUsageLine, USAGE_MARKER } from "./usage-line.js";

/**
 * The fallback source's incremental transcript reader. For every `<account>/projects/**\/*.jsonl` it
 * remembers (in the database) how far it has read, and reads only the bytes appended since: never the whole
 * history again. Files are read in fixed-size chunks (never as one string, so a file past 512 MB, V8's
 * string limit, is fine); a last line without its newline is left for the next refresh (Claude Code may be
 * writing it); a file that shrank or was replaced is read again from the start. Usage entries are stored
 * once per `<message id>:<request id>` (streaming writes one line per content block with the same usage).
 */

export interface ReadOptions {
  /** Bytes per read; default 4 MiB. Small values exercise the chunk seams in tests. */
  chunkBytes?: number;
  /** A single line longer than this is skipped (no transcript line is that long); default 64 MiB. */
  maxLineBytes?: number;
}

export interface RefreshResult {
  files: number;
  filesRead: number;
  bytesRead: number;
  entriesAdded: number;
  /** The oldest entry added, to know whether history before the current block changed. */
  oldestAdded: number | undefined;
}

interface FileRow {
  path: string;
  ino: number;
  size: number;
  offset: number;
}

/** Every .jsonl under `<account>/projects` (subagent transcripts included), sorted. */
export function transcriptFiles(account: string): string[] {
  const root = join(account, "projects");
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true, encoding: "utf8" });
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".jsonl"))
    .map((n) => join(root, n))
    .sort();
}

export function refreshTranscripts(
  store: Store,
  accounts: readonly string[],
  options: ReadOptions = {},
): RefreshResult {
  const result: RefreshResult = {
    files: 0,
    filesRead: 0,
    bytesRead: 0,
    entriesAdded: 0,
    oldestAdded: undefined,
  };
  const known = new Map<string, FileRow>();
  for (const row of store.db
    .prepare("SELECT path, ino, size, offset FROM transcript_files")
    .all() as unknown as FileRow[])
    known.set(row.path, row);
  const insert = store.db.prepare(
    `INSERT OR IGNORE INTO usage_entries (key, account, at, input_tokens, output_tokens, cache_creation_tokens,
       cache_read_tokens, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const save = store.db.prepare(
    `INSERT INTO transcript_files (path, account, ino, size, offset, mtime_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (path) DO UPDATE SET ino = excluded.ino, size = excluded.size, offset = excluded.offset,
       mtime_ms = excluded.mtime_ms`,
  );
  for (const account of accounts) {
    for (const path of transcriptFiles(account)) {
      result.files += 1;
      let stat: ReturnType<typeof statSync>;
      try {
        stat = statSync(path);
      } catch {
        continue; // removed meanwhile
      }
      const row = known.get(path);
      const same = row !== undefined && row.ino === stat.ino && stat.size >= row.offset;
      const from = same ? row.offset : 0;
      if (same && stat.size === row.size) continue;
      result.filesRead += 1;
      store.transaction(() => {
        const read = readLines(path, from, options, (text, lineOffset) => {
          const entry = parseUsageLine(text);
          if (!entry) return;
          const changes = insert.run(
            entry.id ?? `${path}@${lineOffset}`,
            account,
            entry.at,
            entry.input,
            entry.output,
            entry.cacheCreation,
            entry.cacheRead,
            entry.model,
          ).changes;
          if (Number(changes) > 0) {
            result.entriesAdded += 1;
            if (result.oldestAdded === undefined || entry.at < result.oldestAdded)
              result.oldestAdded = entry.at;
          }
        });
        result.bytesRead += read.end - from;
        save.run(path, account, stat.ino, read.size, read.end, stat.mtimeMs);
      });
    }
  }
  return result;
}

/**
 * Calls `onLine` for every complete line from `from` whose bytes contain `"usage"`, with the line's
 * offset. Returns the offset after the last complete line (where the next read starts) and the size seen.
 */
export function readLines(
  path: string,
  from: number,
  options: ReadOptions,
  onLine: (text: string, offset: number) => void,
): { end: number; size: number } {
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const maxLine = options.maxLineBytes ?? 64 * 1024 * 1024;
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let skipping = false; // inside a line longer than maxLine
    let position = from;
    let lineStart = from; // file offset of the line being assembled
    let end = from;
    while (position < size) {
      const n = readSync(fd, chunk, 0, Math.min(chunkBytes, size - position), position);
      if (n === 0) break;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1 || nl >= n) break;
        if (!skipping) {
          const piece = chunk.subarray(start, nl);
          const line = carryBytes > 0 ? Buffer.concat([...carry, piece]) : piece;
          if (line.indexOf(USAGE_MARKER) !== -1) onLine(line.toString("utf8"), lineStart);
        }
        carry = [];
        carryBytes = 0;
        skipping = false;
        start = nl + 1;
        lineStart = position + start;
        end = lineStart;
      }
      if (start < n && !skipping) {
        carry.push(Buffer.from(chunk.subarray(start, n)));
        carryBytes += n - start;
        if (carryBytes > maxLine) {
          skipping = true;
          carry = [];
          carryBytes = 0;
        }
      }
      position += n;
    }
    return { end, size };
  } finally {
    closeSync(fd);
  }
}
