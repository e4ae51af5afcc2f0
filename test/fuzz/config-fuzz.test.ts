import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { isCcmError } from "../../src/errors.js";
import { nastyString, type Rng, rng } from "../helpers/random.js";

/**
 * The config loader against malformed and hostile text: every case either loads or throws CONFIG_INVALID
 * with a message and a hint; nothing else escapes (no TypeError, no hang on alias bombs).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.FUZZ_CASES ?? 4000);

const VALID = `profile: full
system:
  type: developer
  tags: [a, b]
web_ui:
  host: 127.0.0.1
  port: 8765
agents:
  max_concurrent: 10
  mode: headless
  claude_code:
    command: claude
    args: [--model, sonnet]
  custom:
    my-agent:
      command: [sh, -c, "echo hi"]
resources:
  max_queue_size: 1000
safety:
  guard:
    allow_write: [~/.npm]
  limits:
    max_commits: 200
`;

const SNIPPETS = [
  "profile: huge",
  "web_ui: {port: -1}",
  "web_ui: {port: 70000}",
  "web_ui: {port: '8765'}",
  "agents: {max_concurrent: 0}",
  "agents: {max_concurrent: 1.5}",
  "agents: {custom: {Bad_Name: {command: []}}}",
  "agents: []",
  "agents: null",
  "agents: ~",
  "- a\n- b",
  "a: &x [*x]",
  "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "profile: full\nprofile: minimal",
  "!!js/function 'function(){}'",
  "key: !!binary AAAA",
  "? [complex, key]\n: value",
  "%YAML 1.1\n---\nprofile: full",
  "---\n---\n---",
  "\t\tprofile: full",
  "safety: {guard: {allow_write: [relative/path]}}",
  "safety: {limits: {max_file_mb: 0}}",
  "database: {sqlite_path: ''}",
  "__proto__: {polluted: true}",
  "constructor: {prototype: {polluted: true}}",
];

function mutate(r: Rng, text: string): string {
  const lines = text.split("\n");
  const ops = 1 + r.int(4);
  for (let i = 0; i < ops; i++) {
    const at = r.int(lines.length + 1);
    switch (r.int(7)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, r.pick(SNIPPETS));
        break;
      case 2: {
        const line = lines[at] ?? "";
        const col = r.int(line.length + 1);
        lines[at] = line.slice(0, col) + nastyString(r) + line.slice(col);
        break;
      }
      case 3: {
        // Replace a scalar value with a hostile one.
        const line = lines[at] ?? "";
        const colon = line.indexOf(": ");
        if (colon > 0) lines[at] = `${line.slice(0, colon + 2)}${JSON.stringify(nastyString(r))}`;
        break;
      }
      case 4:
        lines[at] = ` ${lines[at] ?? ""}`; // break the indentation
        break;
      case 5:
        lines.splice(at, 0, ...lines.slice(0, r.int(lines.length)));
        break;
      default:
        lines.splice(at, 0, nastyString(r));
    }
  }
  return lines.join("\n");
}

describe("config loader fuzz", () => {
  it(`${CASES} malformed configs: each loads or fails with CONFIG_INVALID and a hint (seed ${SEED})`, () => {
    const r = rng(SEED);
    const paths = resolvePaths({ HOME: "/nonexistent-home", CCM_HOME: "/nonexistent-home/.ccm" });
    let loaded = 0;
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const text = i % 10 === 0 ? nastyString(r) : mutate(r, VALID);
      try {
        parseConfigText(text, { file: "config.yaml", paths, env: {} });
        loaded++;
      } catch (error) {
        if (!isCcmError(error) || error.code !== "CONFIG_INVALID" || !error.message || !error.hint) {
          throw new Error(
            `case ${i} (FUZZ_SEED=${SEED}) escaped as ${String(error)}\n--- input ---\n${text.slice(0, 2000)}`,
          );
        }
        refused++;
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(loaded + refused).toBe(CASES);
    // Both outcomes must be exercised, or the fuzzer is not testing much.
    expect(loaded).toBeGreaterThan(CASES / 20);
    expect(refused).toBeGreaterThan(CASES / 20);
    console.log(`config fuzz: ${CASES} cases, ${loaded} loaded, ${refused} refused with CONFIG_INVALID`);
  }, 120_000);
});
