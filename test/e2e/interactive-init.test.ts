import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, sandbox } from "../helpers/cli.js";

/** `daemon init` on a real terminal: a private tmux server plays the user at its prompts. */
describe("daemon init on a TTY", () => {
  it("asks for profile, Supabase and hostname, and says plainly the hub is not built", async () => {
    using s = sandbox();
    const socket = join(s.root, "tmux.sock");
    const tmux = (...args: string[]) => execFileSync("tmux", ["-S", socket, ...args], { encoding: "utf8" });
    const envArgs = Object.entries(s.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    tmux(
      "new-session",
      "-d",
      "-x",
      "160",
      "-y",
      "40",
      "-s",
      "t",
      ...envArgs,
      process.execPath,
      CLI,
      "daemon",
      "init",
    );
    try {
      const screen = () => tmux("capture-pane", "-p", "-t", "t");
      const waitFor = async (text: string) => {
        const deadline = Date.now() + 15_000;
        while (!screen().includes(text)) {
          if (Date.now() > deadline)
            throw new Error(`never saw ${JSON.stringify(text)}; screen:\n${screen()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const answer = (text: string) => {
        tmux("send-keys", "-t", "t", "-l", text);
        tmux("send-keys", "-t", "t", "Enter");
      };
      await waitFor("Profile?");
      answer("2");
      await waitFor("Enable the Supabase hub?");
      answer("y");
      await waitFor("System hostname?");
      answer("box-7");
      await waitFor("database ready");
      expect(screen()).toContain("not built yet; continuing local-only");
    } finally {
      tmux("kill-server");
    }
    const config = s.json<{ profile: string; system: { hostname: string }; supabase: { enabled: boolean } }>([
      "config",
      "show",
    ]);
    expect(config).toMatchObject({
      profile: "minimal",
      system: { hostname: "box-7" },
      supabase: { enabled: false },
    });
  });
});
