import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readNewLines } from "./log-tail.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("readNewLines", () => {
  it("reads complete lines once and keeps a partial last line for later", () => {
    dir = mkdtempSync(join(tmpdir(), "ccm-tail-"));
    const file = join(dir, "log");
    expect(readNewLines(file, 0)).toEqual({ lines: [], offset: 0 });
    writeFileSync(file, '{"a":1}\n{"b":2}\n{"c":');
    const first = readNewLines(file, 0);
    expect(first.lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(readNewLines(file, first.offset).lines).toEqual([]);
    appendFileSync(file, "3}\n");
    const second = readNewLines(file, first.offset);
    expect(second.lines).toEqual(['{"c":3}']);
    expect(readNewLines(file, second.offset)).toEqual({ lines: [], offset: second.offset });
  });

  it("handles multi-byte characters split across reads", () => {
    dir = mkdtempSync(join(tmpdir(), "ccm-tail-"));
    const file = join(dir, "log");
    writeFileSync(file, Buffer.from("héllo wörld ✓\n", "utf8"));
    expect(readNewLines(file, 0).lines).toEqual(["héllo wörld ✓"]);
  });
});
