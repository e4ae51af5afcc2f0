import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCommand } from "./run-command.js";

describe("runCommand", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ccm-run-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ PATH: `${dir}:/usr/bin:/bin` });
  function program(name: string, body: string): void {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }

  it("returns exit code and interleaved output without throwing, with only the given environment", async () => {
    program("talk", 'echo "out $SECRET_FROM_PARENT"; echo err >&2; exit 3');
    process.env.SECRET_FROM_PARENT = "leaked";
    try {
      expect(await runCommand("talk", [], { env: env(), timeoutMs: 5_000 })).toEqual({
        exitCode: 3,
        output: "out \nerr",
        notFound: false,
        timedOut: false,
      });
    } finally {
      delete process.env.SECRET_FROM_PARENT;
    }
  });

  it("passes arguments verbatim (no shell)", async () => {
    program("args", 'printf "%s|" "$@"');
    const result = await runCommand("args", ["a b", "$HOME", "'q'", ";"], { env: env(), timeoutMs: 5_000 });
    expect(result.output).toBe("a b|$HOME|'q'|;|");
  });

  it("reports a missing program", async () => {
    expect(await runCommand("no-such-program-ccm", [], { env: env(), timeoutMs: 5_000 })).toMatchObject({
      notFound: true,
      exitCode: undefined,
    });
  });

  it("returns soon after the timeout even when a grandchild keeps the output pipe open", async () => {
    program("hang", "sleep 30 &\nexec sleep 30");
    const started = Date.now();
    const result = await runCommand("hang", [], { env: env(), timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
