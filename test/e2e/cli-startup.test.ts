import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI, sandbox } from "../helpers/cli.js";

/**
 * `ccm task list` must answer within 200 ms over 10,000 tasks (bench/tasks.js), and most of that is start-up:
 * the packages only some commands need (execa for git and tmux, hono for the server, ccusage) are loaded by
 * those commands, not by every invocation. This keeps it that way (a top-level import of a service that
 * reaches execa once cost every command ~60 ms).
 */
const TRACE = fileURLToPath(new URL("../fixtures/module-trace.mjs", import.meta.url));
const HEAVY = ["/execa/", "/hono/", "/@hono/", "/ccusage/", "/pino/", "/playwright-core/"];

function loadedBy(args: string[], env: Record<string, string>): string[] {
  const result = spawnSync(process.execPath, ["--import", TRACE, CLI, ...args], { env, encoding: "utf8" });
  const [, list = ""] = result.stderr.split("--- modules loaded ---\n");
  return list.split("\n").filter((line) => line !== "");
}

describe("CLI start-up path", () => {
  it("ccm --version, task list, task show and quota --help load no heavy package", () => {
    using s = sandbox();
    s.run(["daemon", "init", "--yes", "--profile", "minimal"]);
    for (const args of [["--version"], ["task", "list"], ["task", "show", "1"], ["quota", "--help"]]) {
      const modules = loadedBy(args, s.env);
      expect(modules.length, `ccm ${args.join(" ")} loaded nothing?`).toBeGreaterThan(20);
      expect(
        modules.filter((url) => HEAVY.some((pkg) => url.includes(pkg))),
        `ccm ${args.join(" ")}`,
      ).toEqual([]);
    }
  });
});
