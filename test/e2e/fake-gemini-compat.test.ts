import { describe, expect, test } from "vitest";
import { stderrSummary } from "../../src/agents/exit-status.js";
import { FAKE_GEMINI } from "../fixtures/fake-agents/paths.js";
import { createGeminiHarness } from "../fixtures/gemini-harness.js";
import { runLaunchSpec } from "../fixtures/run-agent.js";

// The fake `gemini` against the real Gemini CLI, for what can be seen without a model: command-line
// errors, the auth and trust exits, the first stream-json lines and the first hooks (the real CLI then
// retries the unreachable API until it is killed). The real CLI is not a dependency of this project:
//   npm install --prefix /tmp/gemini @google/gemini-cli@0.61.0
//   CCM_REAL_GEMINI=/tmp/gemini/node_modules/.bin/gemini npx vitest run test/e2e/fake-gemini-compat.test.ts
const REAL = process.env.CCM_REAL_GEMINI;
const TIMEOUT = 60_000;
const TRICKY = `-x "double" 'single' $HOME\nline two`;

describe.runIf(REAL !== undefined && REAL !== "")("the fake gemini behaves like the real one", () => {
  const cli: [string, string[], Record<string, string | undefined>][] = [
    ["an unknown flag", ["--frobnicate", "--prompt=hi"], {}],
    ["a bad approval mode", ["--approval-mode", "nope", "--prompt=hi"], {}],
    ["a prompt starting with a dash after -p", ["-p", "-x", "-o", "stream-json"], {}],
    [
      "no authentication",
      ["--prompt=hi", "-o", "stream-json", "--skip-trust"],
      { GEMINI_API_KEY: undefined },
    ],
    ["an untrusted folder", ["--prompt=hi", "-o", "stream-json"], {}],
  ];
  test.each(cli)("%s", { timeout: TIMEOUT }, async (_name, args, agentEnv) => {
    await using harness = await createGeminiHarness();
    const seen: Record<string, unknown> = {};
    for (const [agent, command] of [
      ["real", REAL!],
      ["fake", FAKE_GEMINI],
    ] as const) {
      const env: Record<string, string> = {
        PATH: `${process.execPath.replace(/\/node$/, "")}:${process.env.PATH ?? ""}`,
        HOME: `${harness.root}/home-${agent}`,
        GEMINI_API_KEY: "fake-key",
      };
      for (const [name, value] of Object.entries(agentEnv)) if (value === undefined) delete env[name];
      const run = await runLaunchSpec(
        { command, args, env: {}, interactive: false },
        { cwd: harness.repo.dir, env, timeoutMs: 20_000 },
      );
      const summary = stderrSummary({
        code: run.exitCode,
        signal: run.signal,
        stderr: run.stderr.replaceAll(harness.root, "<root>").replace(/home-(real|fake)/g, "home"),
      });
      seen[agent] = { exit: run.exitCode, stderr: summary, stdout: run.stdout };
    }
    expect(seen.fake).toEqual(seen.real);
  });

  test("through the adapter: the first lines, and the hooks from the run's own Gemini home", {
    timeout: TIMEOUT,
  }, async () => {
    const seen: Record<string, unknown> = {};
    for (const agent of ["real", "fake"] as const) {
      await using harness = await createGeminiHarness();
      const { run, hooks } = await harness.run({
        prompt: TRICKY,
        ...(agent === "real" ? { command: REAL!, timeoutMs: 10_000 } : {}),
      });
      const lines = run.lines.slice(0, 2).map((line) => {
        const { timestamp: _t, session_id: _s, ...rest } = JSON.parse(line) as Record<string, unknown>;
        return rest;
      });
      seen[agent] = {
        lines,
        hooks: hooks.slice(0, 2).map((h) => ({
          event: h.event,
          name: h.input.hook_event_name,
          keys: Object.keys(h.input).sort(),
          env: h.env?.CCM_HOOK_AGENT,
        })),
      };
    }
    expect(seen.fake).toEqual(seen.real);
    expect(seen.real).toMatchObject({
      lines: [
        { type: "init", model: "auto" },
        { type: "message", role: "user", content: TRICKY },
      ],
      hooks: [
        { event: "SessionStart", name: "SessionStart", env: "gemini-cli" },
        { event: "UserPromptSubmit", name: "BeforeAgent", env: "gemini-cli" },
      ],
    });
  });
});
