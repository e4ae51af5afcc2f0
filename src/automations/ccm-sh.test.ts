import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fieldEnv } from "../hooks/field-env.js";
import { shippedDir } from "./catalog.js";

// automations/lib/ccm.sh under dash (the strictest common /bin/sh), with and without jq.

const LIB = join(shippedDir(), "lib", "ccm.sh");
const which = (tool: string) =>
  spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
const DASH = which("dash") || which("sh");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccm-sh-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A PATH with the few tools the library uses, and jq only when asked for. */
function pathWith(jq: boolean): string {
  const bin = join(dir, jq ? "bin-jq" : "bin");
  if (existsSync(bin)) return bin;
  mkdirSync(bin, { recursive: true });
  const tools = ["cat", "tr", "awk", "date", "mkdir", "head", "wc", ...(jq ? ["jq"] : [])];
  for (const tool of tools) {
    const found = which(tool);
    if (found === "") throw new Error(`${tool} is needed for this test`);
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

function sh(script: string, payload: unknown, env: Record<string, string>): string {
  const result = spawnSync(DASH, ["-c", `. '${LIB}'\n${script}`], {
    input: JSON.stringify(payload),
    env: { CCM_NODE: process.execPath, CCM_HOME: join(dir, "home"), ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
  return result.stdout;
}

const payload = {
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command: "echo 'a\"b'\nls -la \\tmp", timeout: 120, run_in_background: false },
  edits: [{ old_string: "x" }, { old_string: "y" }],
  nothing: null,
  "odd-key": { inner: "z" },
  big: "b".repeat(10_000),
};

const fields =
  'for p in tool_name tool_input.command tool_input.timeout tool_input.run_in_background edits.1.old_string nothing missing.x odd-key.inner; do printf "%s=[%s]\\n" "$p" "$(ccm_field "$p")"; done; printf "big=%s\\n" "$(ccm_field big | wc -c | tr -d " ")"';
const expected = [
  "tool_name=[Bash]",
  `tool_input.command=[echo 'a"b'\nls -la \\tmp]`,
  "tool_input.timeout=[120]",
  "tool_input.run_in_background=[false]",
  "edits.1.old_string=[y]",
  "nothing=[]",
  "missing.x=[]",
  "odd-key.inner=[z]",
  "big=10000",
  "",
].join("\n");

describe("ccm_field", () => {
  it("reads the same values from the hook's CCM_F_* variables, jq, and node", () => {
    const viaEnv = sh(fields, payload, { PATH: pathWith(false), ...fieldEnv(payload) });
    const viaJq = sh(fields, payload, { PATH: pathWith(true) });
    const viaNode = sh(fields, payload, { PATH: pathWith(false) });
    expect(viaEnv).toBe(expected);
    expect(viaJq).toBe(expected);
    expect(viaNode).toBe(expected);
  });

  it("ignores a field path that could inject shell code", () => {
    const out = sh("ccm_field \"x;touch pwned\"; ccm_field '$(touch pwned2)'; echo done", payload, {
      PATH: pathWith(false),
      ...fieldEnv(payload),
    });
    expect(out).toBe("done\n");
    expect(spawnSync("ls", [dir], { encoding: "utf8" }).stdout).not.toContain("pwned");
  });
});

describe("ccm_json and ccm_context", () => {
  it("escapes quotes, backslashes, newlines and tabs, and drops other control characters", () => {
    const text = 'say "hi"\\ to\tall\nnext line \u0001\u001f end — ünïcode\r';
    const out = sh('ccm_json "$(printf "%s" "$T")"', {}, { PATH: pathWith(false), T: text });
    expect(JSON.parse(out)).toBe(text.replaceAll("\u0001", "").replaceAll("\u001f", ""));
  });

  it("prints additionalContext on events that take it, a systemMessage on others", () => {
    const env = { PATH: pathWith(false) };
    expect(JSON.parse(sh('ccm_context "use pnpm"', {}, { ...env, CCM_EVENT: "SessionStart" }))).toEqual({
      hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "use pnpm" },
    });
    expect(JSON.parse(sh('ccm_context "note"', {}, { ...env, CCM_EVENT: "SessionEnd" }))).toEqual({
      systemMessage: "note",
    });
  });

  it("ccm_setting reads the project's file first, then CCM_HOME's, then the default", () => {
    const project = join(dir, "project");
    mkdirSync(join(project, ".ccm"), { recursive: true });
    mkdirSync(join(dir, "home", "automations"), { recursive: true });
    writeFileSync(join(project, ".ccm", "automations.conf"), "a.x=project\n");
    writeFileSync(join(dir, "home", "automations", "automations.conf"), "a.x=home\nb.y=home\n");
    const out = sh(
      'echo "$(ccm_setting a.x 1) $(ccm_setting b.y 2) $(ccm_setting c.z 3)"',
      {},
      {
        PATH: pathWith(false),
        CCM_PROJECT_DIR: project,
      },
    );
    expect(out).toBe("project home 3\n");
  });
});
