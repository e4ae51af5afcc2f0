import { execa } from "execa";
import type { Alert } from "./alerts.js";

/**
 * Delivery channels. Each sends one alert and throws a short error on failure. HTTP goes to the services'
 * real APIs (notifications reference §1–2): Telegram `POST <api>/bot<token>/sendMessage` with JSON
 * {chat_id, text}, answered by `{ok, result | error_code, description}`; a Slack incoming webhook `POST`
 * with JSON {text}, answered `200 ok` (anything else is a failure).
 */

export interface Channel {
  name: string;
  send(alert: Alert): Promise<void>;
}

const TIMEOUT_MS = 10_000;
const ICON = { info: "ℹ️", warning: "⚠️", critical: "🛑" } as const;

export function alertText(alert: Alert): string {
  const task = alert.taskId === null ? "" : ` (task #${alert.taskId})`;
  return `${ICON[alert.level]} ccm ${alert.level}${task}: ${alert.message}`;
}

export function telegramChannel(options: {
  botToken: string;
  chatId: string | number;
  apiUrl: string;
}): Channel {
  const url = `${options.apiUrl.replace(/\/+$/, "")}/bot${options.botToken}/sendMessage`;
  return {
    name: "telegram",
    async send(alert) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          chat_id: options.chatId,
          // Plain text (no parse_mode): nothing in a message can break entity parsing. 4096 chars max.
          text: alertText(alert).slice(0, 4096),
          disable_notification: alert.level === "info",
        }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as { ok?: boolean; description?: string };
      if (!response.ok || body.ok !== true)
        throw new Error(`Telegram answered ${response.status}: ${body.description ?? "no description"}`);
    },
  };
}

export function slackChannel(options: { webhookUrl: string }): Channel {
  return {
    name: "slack",
    async send(alert) {
      const response = await fetch(options.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: alertText(alert), unfurl_links: false, unfurl_media: false }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: "error",
      });
      const text = await response.text().catch(() => "");
      if (response.status !== 200)
        throw new Error(`Slack answered ${response.status}: ${text.slice(0, 200)}`);
    },
  };
}

/** Which desktop notifier exists here: notify-send (Linux, libnotify-bin) or osascript (macOS). */
export type DesktopNotifier = { command: string; args(alert: Alert): string[] };

export function desktopNotifier(platform: NodeJS.Platform = process.platform): DesktopNotifier {
  if (platform === "darwin") {
    // Text goes in as arguments to `on run argv`, never spliced into the script.
    const script = "on run argv\ndisplay notification (item 2 of argv) with title (item 1 of argv)\nend run";
    return { command: "osascript", args: (a) => ["-e", script, `ccm ${a.level}`, alertText(a)] };
  }
  return {
    command: "notify-send",
    args: (a) => [
      "-a",
      "ccm",
      "-u",
      a.level === "critical" ? "critical" : a.level === "warning" ? "normal" : "low",
      `ccm ${a.level}`,
      alertText(a),
    ],
  };
}

/**
 * Desktop notifications are best effort (a daemon under systemd often has no session bus): a missing
 * notifier or a failure is reported once as a log line by the router, never as an error that retries.
 */
export function desktopChannel(
  notifier: DesktopNotifier = desktopNotifier(),
  env?: Readonly<Record<string, string | undefined>>,
): Channel {
  return {
    name: "desktop",
    async send(alert) {
      const result = await execa(notifier.command, notifier.args(alert), {
        timeout: 5_000,
        reject: false,
        stdin: "ignore",
        ...(env ? { env, extendEnv: false } : {}),
      });
      if (result.exitCode !== 0) {
        const why =
          result.failed && result.exitCode === undefined
            ? `${notifier.command} not found`
            : String(result.stderr).trim().split("\n")[0];
        throw new DesktopUnavailable(`${notifier.command}: ${why || `exit ${result.exitCode}`}`);
      }
    },
  };
}

/** A desktop notifier that cannot work here: logged, not retried. */
export class DesktopUnavailable extends Error {}
