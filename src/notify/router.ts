import type { Logger } from "pino";
import type { Config } from "../config/load.js";
import type { Store } from "../store/db.js";
import {
  type Alert,
  type AlertLevel,
  importAlertEvents,
  importFailedTasks,
  pendingAlerts,
  recordDelivery,
} from "./alerts.js";
import {
  type Channel,
  DesktopUnavailable,
  desktopChannel,
  slackChannel,
  telegramChannel,
} from "./channels.js";

/**
 * Delivers stored alerts to every configured channel. A channel that fails (network, 5xx, 429) is tried
 * again on later passes, up to MAX_ATTEMPTS; a channel that delivered is not sent the same alert twice.
 * Desktop failures degrade to one log line per alert and count as handled.
 */

export const MAX_ATTEMPTS = 5;
const LEVEL_RANK: Record<AlertLevel, number> = { info: 0, warning: 1, critical: 2 };

export function channelsFromConfig(
  config: Config,
  env?: Readonly<Record<string, string | undefined>>,
): Channel[] {
  const n = config.notifications;
  const channels: Channel[] = [];
  if (n.desktop) channels.push(desktopChannel(undefined, env));
  if (n.telegram)
    channels.push(
      telegramChannel({
        botToken: n.telegram.bot_token,
        chatId: n.telegram.chat_id,
        apiUrl: n.telegram.api_url,
      }),
    );
  if (n.slack) channels.push(slackChannel({ webhookUrl: n.slack.webhook_url }));
  return channels;
}

export interface AlertRouter {
  /** Imports alert events written by other code, then sends what is pending. */
  deliver(): Promise<number>;
}

export function createAlertRouter(options: {
  store: Store;
  log: Logger;
  channels: readonly Channel[];
  minLevel: AlertLevel;
}): AlertRouter {
  const { store, log, channels } = options;
  let running: Promise<number> | undefined;
  const deliverOne = async (alert: Alert): Promise<void> => {
    const done: Record<string, string> = { ...(alert.deliveries ?? {}) };
    if (LEVEL_RANK[alert.level] < LEVEL_RANK[options.minLevel]) {
      recordDelivery(
        store,
        alert.id,
        { skipped: `below notifications.min_level (${options.minLevel})` },
        true,
      );
      return;
    }
    for (const channel of channels) {
      if (done[channel.name] === "ok" || done[channel.name]?.startsWith("unavailable")) continue;
      try {
        await channel.send(alert);
        done[channel.name] = "ok";
      } catch (error) {
        const message = (error as Error).message;
        if (error instanceof DesktopUnavailable) {
          done[channel.name] = `unavailable: ${message}`;
          log.info(
            { alertId: alert.id, level: alert.level, alert: alert.message, why: message },
            "desktop notification unavailable; alert logged instead",
          );
        } else {
          done[channel.name] = message;
          log.warn(
            { alertId: alert.id, channel: channel.name, err: message },
            "alert not delivered; will retry",
          );
        }
      }
    }
    const complete = channels.every((c) => done[c.name] === "ok" || done[c.name]?.startsWith("unavailable"));
    recordDelivery(store, alert.id, done, complete);
    log.info(
      { alertId: alert.id, level: alert.level, code: alert.code, taskId: alert.taskId, deliveries: done },
      alert.message,
    );
  };
  return {
    deliver() {
      if (running) return running;
      const pass = async () => {
        importAlertEvents(store);
        importFailedTasks(store);
        const pending = pendingAlerts(store, MAX_ATTEMPTS);
        for (const alert of pending) await deliverOne(alert);
        return pending.length;
      };
      // Cleared in a callback, never inside `pass`: with nothing pending `pass` runs to its end synchronously,
      // and clearing there (before this assignment) left a settled promise in `running`, so no later call
      // imported or delivered anything again.
      running = pass().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
