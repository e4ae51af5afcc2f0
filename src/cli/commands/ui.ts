import { spawn } from "node:child_process";
import type { Command } from "commander";
import { daemonStatus, healthUrl } from "../../daemon/control.js";
import { CcmError } from "../../errors.js";
import { readToken } from "../../server/token.js";
import type { CliContext } from "../context.js";
import { printJson } from "../output.js";

export function registerUiCommand(program: Command, ctx: CliContext): void {
  program
    .command("ui")
    .description("open the web UI in your browser, signed in (a one-time link, valid for a minute)")
    .option(
      "--print",
      "print the link instead of opening a browser (e.g. to open it elsewhere on this machine)",
    )
    .option("--json", "print {url, expiresAt, uiEnabled} as JSON (implies --print)")
    .addHelpText(
      "after",
      `
The daemon serves the UI on web_ui.host:web_ui.port (default http://127.0.0.1:8765) in the full profile.
The link carries a one-time code; opening it sets an HttpOnly, SameSite=Strict session cookie, so the
page can approve, reject and cancel. Anyone who can read ~/.ccm/token can do the same from scripts:
  curl -H "Authorization: Bearer $(cat ~/.ccm/token)" http://127.0.0.1:8765/api/tasks

Examples:
  ccm ui             open the dashboard in the default browser
  ccm ui --print     print the link (open it within a minute)`,
    )
    .action(async (opts: { print?: boolean; json?: boolean }) => {
      const status = daemonStatus(ctx.paths);
      if (!status.running || !status.state) {
        throw new CcmError("DAEMON_NOT_RUNNING", "the daemon is not running", {
          hint: "Start it with `ccm daemon start`, then run `ccm ui` again.",
        });
      }
      const base = healthUrl(status.state).replace(/\/health$/, "");
      const token = readToken(ctx.paths.tokenFile);
      let answer: Response;
      try {
        answer = await fetch(`${base}/api/auth/code`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5000),
        });
      } catch (error) {
        throw new CcmError("DAEMON_NOT_RUNNING", `the daemon at ${base} did not answer`, {
          hint: "See `ccm daemon status` and `ccm daemon logs`.",
          cause: error,
        });
      }
      if (!answer.ok) {
        throw new CcmError("EXTERNAL_COMMAND", `the daemon refused a login code (HTTP ${answer.status})`, {
          hint: "The token file may have been replaced: restart the daemon (`ccm daemon restart`).",
        });
      }
      const { path, expiresAt } = (await answer.json()) as { path: string; expiresAt: number };
      const url = `${base}${path}`;
      const uiEnabled = ctx.config().web_ui.enabled;
      if (opts.json) return printJson(ctx.output, { url, expiresAt, uiEnabled });
      if (!uiEnabled) {
        ctx.output.err(
          "note: the web UI is off (minimal profile); the link only signs you in to the API. Set web_ui.enabled: true and restart the daemon.",
        );
      }
      if (opts.print || !openBrowser(url, ctx.env)) {
        ctx.output.out(url);
        if (!opts.print) ctx.output.err("(no browser opener found; open the link above within a minute)");
        return;
      }
      ctx.output.err(`opened ${base} in your browser`);
    });
}

/** Starts the platform's opener detached, the URL as an argument (no shell). False when there is none. */
function openBrowser(url: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const command =
    process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  if (process.platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(command, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
    return child.pid !== undefined;
  } catch {
    return false;
  }
}
