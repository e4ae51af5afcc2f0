import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempStore } from "../store/test-helpers.js";
import { accountOfTranscript, claudeAccounts } from "./accounts.js";
import { appendLines, assistantLine, userLine } from "./test-helpers.js";
import { readLines, refreshTranscripts } from "./transcripts.js";

const T0 = Date.parse("2026-11-20T09:12:00Z");
const MIN = 60_000;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ccm-transcripts-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function entries(store: ReturnType<typeof tempStore>) {
  return store.db
    .prepare(
      "SELECT key, account, at, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens FROM usage_entries ORDER BY at, key",
    )
    .all() as { key: string; account: string; at: number; input_tokens: number; output_tokens: number }[];
}

describe("the incremental transcript reader", () => {
  it("stores one entry per message id + request id, skipping non-usage lines", () => {
    using store = tempStore();
    const account = join(root, ".claude");
    const file = join(account, "projects", "-home-dev-shop", "s1.jsonl");
    appendLines(file, [
      userLine(T0, "add a field"),
      // Streaming writes one line per content block, repeating id and usage: counted once.
      assistantLine({ at: T0 + MIN, messageId: "msg_1", input: 10, output: 5 }),
      assistantLine({ at: T0 + MIN, messageId: "msg_1", input: 10, output: 5, text: "second block" }),
      assistantLine({ at: T0 + 2 * MIN, messageId: "msg_2", input: 7, output: 3, cacheRead: 100 }),
      "not json at all",
      JSON.stringify({
        type: "assistant",
        timestamp: new Date(T0).toISOString(),
        message: { usage: { input_tokens: "x" } },
      }),
    ]);
    const result = refreshTranscripts(store, [account]);
    expect(result).toMatchObject({ files: 1, filesRead: 1, entriesAdded: 2 });
    expect(entries(store).map((e) => [e.key, e.input_tokens, e.output_tokens])).toEqual([
      ["msg_1:req_msg_1", 10, 5],
      ["msg_2:req_msg_2", 7, 3],
    ]);
    expect(entries(store)[0]?.account).toBe(account);
  });

  it("never de-duplicates lines missing an id (like ccusage)", () => {
    using store = tempStore();
    const account = join(root, ".claude");
    const file = join(account, "projects", "p", "s.jsonl");
    const line = assistantLine({ at: T0, messageId: "msg_x", requestId: null });
    appendLines(file, [line, line]);
    expect(refreshTranscripts(store, [account]).entriesAdded).toBe(2);
  });

  it("reads only what was appended, leaves a partial last line for later, and re-reads a replaced file", () => {
    using store = tempStore();
    const account = join(root, ".claude");
    const file = join(account, "projects", "p", "s.jsonl");
    appendLines(file, [assistantLine({ at: T0, messageId: "msg_1" })]);
    const second = assistantLine({ at: T0 + MIN, messageId: "msg_2" });
    appendFileSync(file, second.slice(0, 40)); // Claude Code is writing this line
    expect(refreshTranscripts(store, [account]).entriesAdded).toBe(1);
    // Nothing new: nothing read.
    expect(refreshTranscripts(store, [account])).toMatchObject({ filesRead: 0, bytesRead: 0 });
    appendFileSync(file, `${second.slice(40)}\n`);
    const more = refreshTranscripts(store, [account]);
    expect(more.entriesAdded).toBe(1);
    expect(more.bytesRead).toBe(Buffer.byteLength(`${second}\n`));
    // Truncated and rewritten (a new file at the same path): read from the start again.
    truncateSync(file, 0);
    appendLines(file, [assistantLine({ at: T0 + 3 * MIN, messageId: "msg_3" })]);
    expect(refreshTranscripts(store, [account]).entriesAdded).toBe(1);
    expect(entries(store).map((e) => e.key)).toEqual([
      "msg_1:req_msg_1",
      "msg_2:req_msg_2",
      "msg_3:req_msg_3",
    ]);
  });

  it("finds the same lines whatever the chunk size (lines across chunk seams, lines longer than a chunk)", () => {
    const file = join(root, "t.jsonl");
    const lines = [
      userLine(T0, "x".repeat(5000)),
      assistantLine({ at: T0, messageId: "msg_a", text: "é".repeat(3000) }),
      assistantLine({ at: T0 + MIN, messageId: "msg_b" }),
      userLine(T0, "tail"),
    ];
    writeFileSync(file, `${lines.join("\n")}\n${lines[2]!.slice(0, 30)}`);
    const seen = (chunkBytes: number) => {
      const out: [number, string][] = [];
      const end = readLines(file, 0, { chunkBytes }, (text, offset) =>
        out.push([offset, JSON.parse(text).message.id]),
      );
      return { out, end: end.end };
    };
    const whole = seen(1 << 20);
    expect(whole.out.map(([, id]) => id)).toEqual(["msg_a", "msg_b"]);
    for (const size of [1, 7, 64, 4096]) expect(seen(size)).toEqual(whole);
    expect(whole.end).toBe(Buffer.byteLength(`${lines.join("\n")}\n`));
    // The offsets point at the lines' first bytes.
    const bytes = Buffer.from(`${lines.join("\n")}\n`);
    expect(bytes.subarray(whole.out[1]![0]).toString().startsWith(lines[2]!)).toBe(true);
  });

  it("skips a line longer than maxLineBytes and goes on with the next", () => {
    const file = join(root, "t.jsonl");
    writeFileSync(
      file,
      `${assistantLine({ at: T0, messageId: "msg_big", text: "y".repeat(10_000) })}\n${assistantLine({ at: T0, messageId: "msg_ok" })}\n`,
    );
    const ids: string[] = [];
    readLines(file, 0, { chunkBytes: 512, maxLineBytes: 2048 }, (t) => ids.push(JSON.parse(t).message.id));
    expect(ids).toEqual(["msg_ok"]);
  });

  it("honours CLAUDE_CONFIG_DIR (a comma list) and otherwise ~/.config/claude and ~/.claude with projects/", () => {
    const a = join(root, "a");
    const b = join(root, "b");
    appendLines(join(a, "projects", "p", "s.jsonl"), [assistantLine({ at: T0, messageId: "m" })]);
    appendLines(join(b, "projects", "p", "s.jsonl"), [assistantLine({ at: T0, messageId: "m" })]);
    expect(claudeAccounts({ CLAUDE_CONFIG_DIR: `${a}, ${b},${join(root, "none")}`, HOME: root })).toEqual([
      a,
      b,
    ]);
    const home = join(root, "home");
    appendLines(join(home, ".claude", "projects", "p", "s.jsonl"), [
      assistantLine({ at: T0, messageId: "m" }),
    ]);
    expect(claudeAccounts({ HOME: home })).toEqual([join(home, ".claude")]);
    // Per account: the same message in two accounts is two entries.
    using store = tempStore();
    refreshTranscripts(store, [a, b]);
    expect(entries(store).map((e) => e.account)).toEqual([a, b]);
    expect(accountOfTranscript(join(a, "projects", "p", "sub", "agent-1.jsonl"))).toBe(a);
  });
});
