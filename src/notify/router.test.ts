import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  startFakeSlack,
  startFakeTelegram,
  TELEGRAM_TOKEN,
} from "../../test/fixtures/fake-notify/servers.js";
import { addProject } from "../store/projects.js";
import { createTask, transitionTask } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import { importAlertEvents, importFailedTasks, listAlerts, raiseAlert } from "./alerts.js";
import { desktopChannel, desktopNotifier, slackChannel, telegramChannel } from "./channels.js";
import { createAlertRouter } from "./router.js";

const silent = pino({ level: "silent" });

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: "info" },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe("alerts", () => {
  it("raises one task_failed alert per failure since the first look, never for older history", () => {
    using store = tempStore();
    addProject(store, { name: "p", path: "/code/p" });
    const fail = (title: string, reason: string) => {
      const task = createTask(store, { project: "p", prompt: title }, { maxQueueSize: 100 });
      transitionTask(store, task.id, "failed", { reason, actor: "daemon" });
      return task.id;
    };
    fail("old", "before ccm watched");
    expect(importFailedTasks(store)).toBe(0); // the first look only sets the cursor
    const id = fail("Add login", "executing failed: the agent exited with 1\nlog: /x");
    expect(importFailedTasks(store)).toBe(1);
    expect(importFailedTasks(store)).toBe(0);
    expect(listAlerts(store).map((a) => [a.code, a.taskId, a.message])).toEqual([
      ["task_failed", id, `task #${id} (Add login) failed: executing failed: the agent exited with 1`],
    ]);
  });

  it("raiseAlert is one call, writes an alert event for the live stream, and drops duplicates within the window", () => {
    let now = 1_000_000;
    using store = tempStore(() => now);
    const first = raiseAlert(store, {
      level: "warning",
      code: "limits.worktree",
      message: "too big",
      taskId: 3,
    });
    expect(first.duplicate).toBe(false);
    now += 60_000;
    expect(
      raiseAlert(store, { level: "warning", code: "limits.worktree", message: "still too big", taskId: 3 }),
    ).toEqual({
      id: first.id,
      duplicate: true,
    });
    expect(
      raiseAlert(store, { level: "warning", code: "limits.worktree", message: "other task", taskId: 4 })
        .duplicate,
    ).toBe(false);
    now += 31 * 60_000;
    expect(
      raiseAlert(store, { level: "warning", code: "limits.worktree", message: "again", taskId: 3 }).duplicate,
    ).toBe(false);
    expect(listAlerts(store).map((a) => a.message)).toEqual(["again", "other task", "too big"]);
    const events = store.db
      .prepare("SELECT task_id, payload FROM events WHERE event = 'alert' ORDER BY id")
      .all() as { payload: string }[];
    expect(events.map((e) => JSON.parse(e.payload).code)).toEqual([
      "limits.worktree",
      "limits.worktree",
      "limits.worktree",
    ]);
  });

  it("turns alert events written by other code into alerts, once", () => {
    using store = tempStore();
    store.db
      .prepare("INSERT INTO events (task_id, source, event, payload, at) VALUES (7, 'daemon', 'alert', ?, 1)")
      .run(JSON.stringify({ level: "critical", code: "limits.commits", reason: "task #7 made 201 commits" }));
    expect(importAlertEvents(store)).toBe(1);
    expect(importAlertEvents(store)).toBe(0);
    expect(listAlerts(store)).toMatchObject([
      { level: "critical", code: "limits.commits", message: "task #7 made 201 commits", taskId: 7 },
    ]);
  });
});

describe("the alert router against the services' real HTTP APIs (local fakes)", () => {
  it("delivers to Telegram sendMessage and a Slack incoming webhook, retries a 429 / 500, never sends twice", async () => {
    using store = tempStore();
    await using telegram = await startFakeTelegram({ chatId: 4242 });
    await using slack = await startFakeSlack();
    const router = createAlertRouter({
      store,
      log: silent,
      minLevel: "info",
      channels: [
        telegramChannel({ botToken: TELEGRAM_TOKEN, chatId: 4242, apiUrl: telegram.url }),
        slackChannel({ webhookUrl: slack.webhookUrl }),
      ],
    });
    raiseAlert(store, { level: "critical", code: "quota.critical", message: "5-hour window at 93%" });
    telegram.failNext(1);
    slack.failNext(1);
    expect(await router.deliver()).toBe(1);
    expect(listAlerts(store)[0]).toMatchObject({ deliveredAt: null, attempts: 1 });
    expect(listAlerts(store)[0]?.deliveries?.telegram).toContain("429");
    expect(await router.deliver()).toBe(1);
    expect(listAlerts(store)[0]).toMatchObject({ attempts: 2, deliveries: { telegram: "ok", slack: "ok" } });
    expect(await router.deliver()).toBe(0);
    expect(telegram.received).toHaveLength(1);
    expect(telegram.received[0]?.body).toMatchObject({ chat_id: 4242 });
    expect(String(telegram.received[0]?.body.text)).toContain("ccm critical: 5-hour window at 93%");
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.headers["content-type"]).toBe("application/json");
    expect(String(slack.received[0]?.body.text)).toContain("5-hour window at 93%");
  });

  it("reports a wrong token or chat as a failure with Telegram's description", async () => {
    using store = tempStore();
    await using telegram = await startFakeTelegram({ chatId: 1 });
    const router = createAlertRouter({
      store,
      log: silent,
      minLevel: "info",
      channels: [telegramChannel({ botToken: TELEGRAM_TOKEN, chatId: 2, apiUrl: telegram.url })],
    });
    raiseAlert(store, { level: "warning", code: "quota.warning", message: "half way" });
    await router.deliver();
    expect(listAlerts(store)[0]?.deliveries?.telegram).toBe(
      "Telegram answered 400: Bad Request: chat not found",
    );
  });

  it("keeps delivering after a pass that had nothing to send (the daemon calls deliver() every loop pass)", async () => {
    using store = tempStore();
    await using slack = await startFakeSlack();
    const router = createAlertRouter({
      store,
      log: silent,
      minLevel: "info",
      channels: [slackChannel({ webhookUrl: slack.webhookUrl })],
    });
    expect(await router.deliver()).toBe(0);
    raiseAlert(store, { level: "warning", code: "limits.commits", message: "too many commits", taskId: 7 });
    store.db
      .prepare(
        "INSERT INTO events (task_id, source, event, payload, at) VALUES (NULL, 'daemon', 'alert', ?, 1)",
      )
      .run(JSON.stringify({ code: "limit_exceeded", message: "worktree over max_worktree_mb" }));
    expect(await router.deliver()).toBe(2);
    expect(slack.received.map((r) => String(r.body.text))).toEqual([
      expect.stringContaining("too many commits"),
      expect.stringContaining("worktree over max_worktree_mb"),
    ]);
  });

  it("alerts below notifications.min_level are stored, not sent", async () => {
    using store = tempStore();
    await using slack = await startFakeSlack();
    const router = createAlertRouter({
      store,
      log: silent,
      minLevel: "warning",
      channels: [slackChannel({ webhookUrl: slack.webhookUrl })],
    });
    raiseAlert(store, { level: "info", code: "task.resumed", message: "resumed" });
    await router.deliver();
    expect(slack.received).toHaveLength(0);
    expect(listAlerts(store)[0]?.deliveredAt).not.toBeNull();
  });

  it("degrades to a log line when the desktop notifier is missing or has no session bus", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ccm-nopath-"));
    try {
      for (const env of [
        { PATH: empty }, // notify-send not installed
        { PATH: "/usr/bin:/bin" }, // installed (libnotify-bin), but no D-Bus session here
      ]) {
        using store = tempStore();
        const { log, lines } = captureLog();
        const router = createAlertRouter({
          store,
          log,
          minLevel: "info",
          channels: [desktopChannel(desktopNotifier("linux"), env)],
        });
        raiseAlert(store, { level: "critical", code: "quota.critical", message: "93%" });
        await router.deliver();
        const alert = listAlerts(store)[0];
        expect(alert?.deliveredAt).not.toBeNull();
        expect(alert?.deliveries?.desktop).toMatch(/^unavailable: notify-send/);
        expect(
          lines.some(
            (l) => l.msg === "desktop notification unavailable; alert logged instead" && l.alert === "93%",
          ),
        ).toBe(true);
        expect(await router.deliver()).toBe(0);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("builds the macOS notification with the text as osascript arguments, never inside the script", () => {
    const n = desktopNotifier("darwin");
    const args = n.args({
      id: 1,
      level: "warning",
      code: "x",
      message: 'a "quoted" \\ text',
      taskId: null,
      at: 0,
      deliveredAt: null,
      attempts: 0,
      deliveries: null,
    });
    expect(n.command).toBe("osascript");
    expect(args[1]).not.toContain("quoted");
    expect(args.at(-1)).toContain('a "quoted" \\ text');
  });
});
