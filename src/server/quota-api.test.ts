import { describe, expect, it } from "vitest";
import { raiseAlert } from "../notify/alerts.js";
import { setAgentAccount } from "../quota/controls.js";
import { insertSamples, type NewSample } from "../quota/samples.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, transitionTask } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import type { LiveMessage, QuotaMessage } from "./live-feed.js";
import { world } from "./test-helpers.js";

const ACCOUNT = "/home/dev/.claude";
const HOUR = 3_600_000;

function statusline(usedPercent: number, window: "five_hour" | "seven_day", resetsAt: number): NewSample {
  return { account: ACCOUNT, source: "statusline", window, usedPercent, resetsAt };
}

function setup() {
  const store = tempStore();
  setAgentAccount(store, ACCOUNT);
  addProject(store, { name: "repo", path: "/code/repo" });
  return store;
}

describe("quota API", () => {
  it("shows each account's windows from the source in force, with thresholds and reset times", async () => {
    using store = setup();
    const w = world(store);
    const now = Date.now();
    insertSamples(store, [
      { ...statusline(0, "five_hour", now + HOUR), source: "transcripts", usedPercent: 80 },
      statusline(62, "five_hour", now + 2 * HOUR),
      statusline(20, "seven_day", now + 90 * HOUR),
    ]);
    const status = (await (await w.call("/api/quota")).json()) as {
      level: string;
      held: boolean;
      agentAccount: string;
      thresholds: object;
      accounts: {
        account: string;
        source: string;
        windows: { window: string; usedPercent: number; resetsAt: number }[];
      }[];
    };
    expect(status).toMatchObject({
      level: "warning",
      held: false,
      agentAccount: ACCOUNT,
      thresholds: { warningPercent: 50, criticalPercent: 90 },
    });
    // The status line outranks the transcript reader's 80 %.
    expect(status.accounts).toEqual([
      expect.objectContaining({
        account: ACCOUNT,
        source: "statusline",
        windows: [
          expect.objectContaining({ window: "five_hour", usedPercent: 62, resetsAt: now + 2 * HOUR }),
          expect.objectContaining({ window: "seven_day", usedPercent: 20, resetsAt: now + 90 * HOUR }),
        ],
      }),
    ]);
  });

  it("serves the history of the last N hours and the alerts newest first", async () => {
    using store = setup();
    const w = world(store);
    const now = Date.now();
    insertSamples(store, [statusline(10, "five_hour", now + HOUR)], now - 5 * HOUR);
    insertSamples(store, [statusline(30, "five_hour", now + HOUR)], now - HOUR);
    insertSamples(store, [statusline(35, "five_hour", now + HOUR)], now - 60_000);
    const history = async (q: string) =>
      ((await (await w.call(`/api/quota/history${q}`)).json()) as { samples: { usedPercent: number }[] })
        .samples;
    expect((await history("?hours=2")).map((s) => s.usedPercent)).toEqual([30, 35]);
    expect((await history("")).map((s) => s.usedPercent)).toEqual([10, 30, 35]);
    expect((await w.call("/api/quota/history?hours=-1")).status).toBe(400);

    raiseAlert(store, { level: "warning", code: "quota.warning", message: "usage at 62%" });
    raiseAlert(store, { level: "info", code: "task.resumed", message: "task #1 resumed", taskId: 1 });
    const alerts = (await (await w.call("/api/alerts?limit=5")).json()) as { alerts: { code: string }[] };
    expect(alerts.alerts.map((a) => a.code)).toEqual(["task.resumed", "quota.warning"]);
    const newer = (await (await w.call("/api/alerts?after=1")).json()) as { alerts: { code: string }[] };
    expect(newer.alerts.map((a) => a.code)).toEqual(["task.resumed"]);
  });

  it("pauses and resumes everything and single tasks, with the token only, recorded as the web's doing", async () => {
    using store = setup();
    const w = world(store);
    const queued = createTask(store, { project: "repo", prompt: "queued" }, { maxQueueSize: 10 });
    const working = createTask(store, { project: "repo", prompt: "working" }, { maxQueueSize: 10 });
    transitionTask(store, working.id, "executing", { reason: "t", actor: "t" });

    const anonymous = await w.call("/api/quota/pause", { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    expect((await w.call(`/api/tasks/${queued.id}/pause`, { method: "POST" })).status).toBe(401);
    expect(getTask(store, queued.id).state).toBe("queued");

    const held = (await (await w.post("/api/quota/pause", { reason: "lunch" })).json()) as object;
    expect(held).toEqual({ held: true, asked: [working.id] });
    expect(await (await w.call("/api/quota")).json()).toMatchObject({
      held: true,
      holdCause: "manual",
      holdReason: "lunch",
      pausing: [{ id: working.id, reason: "lunch" }],
    });
    const released = (await (await w.post("/api/quota/resume", {})).json()) as object;
    expect(released).toEqual({ resumed: [], overrideUntil: null });
    expect(getTask(store, working.id).pauseRequest).toBeNull();
    expect(await (await w.call("/api/quota")).json()).toMatchObject({ held: false, manualHold: null });

    const paused = await w.post(`/api/tasks/${queued.id}/pause`, {});
    expect(await paused.json()).toMatchObject({
      id: queued.id,
      outcome: "paused",
      task: { state: "paused", pausedBy: "manual" },
    });
    const again = await w.post(`/api/tasks/${queued.id}/pause`, {});
    expect(await again.json()).toMatchObject({ outcome: "already" });
    const requested = await w.post(`/api/tasks/${working.id}/pause`, { reason: "look first" });
    expect(await requested.json()).toMatchObject({
      outcome: "requested",
      task: { state: "executing", pauseRequest: { reason: "look first", actor: "web", kind: "manual" } },
    });
    const kicks = w.kicks();
    const resumed = await w.post(`/api/tasks/${queued.id}/resume`, {});
    expect(await resumed.json()).toMatchObject({ outcome: "resumed", task: { state: "queued" } });
    expect(w.kicks()).toBe(kicks + 1);
    const withdrawn = await w.post(`/api/tasks/${working.id}/resume`, {});
    expect(await withdrawn.json()).toMatchObject({ outcome: "request-withdrawn" });

    const detail = (await (await w.call(`/api/tasks/${queued.id}`)).json()) as {
      transitions: { to: string; actor: string; reason: string }[];
    };
    expect(detail.transitions.slice(-2).map((t) => [t.to, t.actor, t.reason])).toEqual([
      ["paused", "web", "paused by user"],
      ["queued", "web", "resumed by user"],
    ]);
    expect((await w.post("/api/tasks/99/pause", {})).status).toBe(404);
    transitionTask(store, queued.id, "cancelled", { reason: "t", actor: "t" });
    const refused = await w.post(`/api/tasks/${queued.id}/pause`, {});
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: "INVALID_TRANSITION" } });
  });

  it("holds at critical usage, and a resume overrides auto-pause until the window resets", async () => {
    using store = setup();
    const w = world(store);
    const resetsAt = Date.now() + 2 * HOUR;
    insertSamples(store, [statusline(95, "five_hour", resetsAt)]);
    expect(await (await w.call("/api/quota")).json()).toMatchObject({
      level: "critical",
      held: true,
      holdCause: "critical",
      holdReason: expect.stringContaining("5-hour usage 95% (statusline)"),
    });
    const released = (await (await w.post("/api/quota/resume", {})).json()) as object;
    expect(released).toEqual({ resumed: [], overrideUntil: resetsAt });
    expect(await (await w.call("/api/quota")).json()).toMatchObject({
      level: "critical",
      held: false,
      override: { until: resetsAt, actor: "web" },
    });
  });

  it("describes the new endpoints in the OpenAPI document", async () => {
    using store = setup();
    const doc = (await (await world(store).call("/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    for (const path of [
      "/api/quota/pause",
      "/api/quota/resume",
      "/api/tasks/{id}/pause",
      "/api/tasks/{id}/resume",
    ])
      expect(doc.paths[path]?.post?.security).toBeDefined();
    expect(JSON.stringify(doc.paths["/api/quota"]!.get!.responses)).toContain("holdCause");
    expect(JSON.stringify(doc.paths["/api/quota/history"]!.get)).toContain("hours");
    expect(JSON.stringify(doc.paths["/api/alerts"]!.get!.responses)).toContain("deliveries");
  });
});

describe("live feed: quota and alerts", () => {
  it("sends quota messages for new samples and hold changes, and replays missed samples and alerts", async () => {
    using store = setup();
    const w = world(store);
    const got: LiveMessage[] = [];
    const stop = w.feed.subscribe(undefined, (m) => got.push(...m));
    const quota = () => got.filter((m): m is Extract<LiveMessage, { kind: "quota" }> => m.kind === "quota");
    expect(quota()).toHaveLength(1);
    expect(quota()[0]!.data.status.accounts).toEqual([]);

    w.feed.poll();
    expect(quota()).toHaveLength(1); // nothing changed, nothing sent

    insertSamples(store, [statusline(62, "five_hour", Date.now() + HOUR)]);
    w.feed.poll();
    expect(quota()).toHaveLength(2);
    const second = quota()[1]!;
    expect(second.id).toBe("0-0-1-0");
    expect(second.data.samples.map((s) => s.usedPercent)).toEqual([62]);
    expect(second.data.status.accounts[0]).toMatchObject({ source: "statusline", level: "warning" });

    // A hold through the API (the publishing middleware polls after every mutation).
    await w.post("/api/quota/pause", {});
    expect(quota()).toHaveLength(3);
    expect(quota()[2]!.data).toMatchObject({ status: { held: true, holdCause: "manual" }, samples: [] });
    stop();

    insertSamples(store, [statusline(70, "five_hour", Date.now() + HOUR)]);
    raiseAlert(store, { level: "warning", code: "quota.warning", message: "usage at 70%" });
    w.feed.poll();
    const replay: LiveMessage[] = [];
    w.feed.subscribe(second.id, (m) => replay.push(...m));
    const kinds = replay.map((m) => m.kind);
    expect(kinds).toEqual(["event", "alert", "quota", "agent"]);
    expect(replay[1]!.data).toMatchObject({ code: "quota.warning", message: "usage at 70%" });
    const missed = replay[2]!.data as QuotaMessage;
    expect(missed.samples.map((s) => s.usedPercent)).toEqual([70]);
    expect(missed.status).toMatchObject({ held: true });
    expect(replay[2]!.id).toBe("1-0-2-1");
  });
});
