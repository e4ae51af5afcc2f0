import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import { listAlerts } from "../notify/alerts.js";
import { holdQuota, quotaStatus, releaseQuota } from "../services/quota.js";
import { addProject } from "../store/projects.js";
import { createTask, getTask, getTransitions, transitionTask } from "../store/tasks.js";
import { tempStore } from "../store/test-helpers.js";
import { createQuotaMonitor } from "./monitor.js";
import { insertSamples } from "./samples.js";

const T = Date.parse("2026-11-22T10:00:00Z");
const H = 3_600_000;

/** A real store with a controllable clock, four tasks, and a monitor whose sources are only the samples we write. */
function world(yaml = "") {
  let now = T;
  const store = tempStore(() => now);
  const home = join(store.dir, "home");
  const account = join(home, ".claude");
  mkdirSync(join(account, "projects"), { recursive: true });
  const env = { HOME: home, CCM_HOME: join(home, ".ccm"), CLAUDE_CONFIG_DIR: account };
  const paths = resolvePaths(env);
  const { config } = parseConfigText(yaml, { file: paths.config, paths, env });
  addProject(store, { name: "app", path: join(store.dir, "repo") });
  const make = (priority: "urgent" | "normal" | "low", agent = "claude-code") =>
    createTask(store, { project: "app", prompt: `work ${priority}`, priority, agent }, { maxQueueSize: 10 })
      .id;
  const normal = make("normal");
  const urgent = make("urgent");
  const queued = make("low");
  const gemini = make("normal", "gemini-cli");
  for (const id of [normal, urgent, gemini])
    transitionTask(store, id, "executing", { reason: "started", actor: "daemon" });
  const monitor = createQuotaMonitor({
    store,
    log: pino({ level: "silent" }),
    config,
    env,
    ccusage: async () => {
      throw new Error("not in this test");
    },
  });
  const report = (percent: number, resetsAt: number) =>
    insertSamples(store, [
      { account, source: "statusline", window: "five_hour", usedPercent: percent, resetsAt },
    ]);
  /** What the runner does at the agents' next safe point. */
  const agentsStop = () => {
    for (const id of [normal, urgent, gemini]) {
      const t = getTask(store, id);
      if (t.pauseRequest)
        transitionTask(store, id, "paused", {
          reason: t.pauseRequest.reason,
          actor: t.pauseRequest.actor,
          patch: { pausedBy: t.pauseRequest.kind },
        });
    }
  };
  return {
    store,
    config,
    env,
    account,
    monitor,
    ids: { normal, urgent, queued, gemini },
    report,
    agentsStop,
    at: (ms: number) => {
      now = ms;
    },
    [Symbol.dispose]: () => store[Symbol.dispose](),
  };
}

describe("the quota monitor (controllable clock)", () => {
  it("at critical holds dispatching and asks Claude agents to pause; after the reset resumes them by priority, spread out", async () => {
    using w = world();
    const { store, monitor, ids } = w;
    w.report(42, T + H);
    await monitor.tick();
    expect(monitor.held()).toBe(false);
    expect(getTask(store, ids.normal).pauseRequest).toBeNull();

    w.at(T + 60_000);
    w.report(95, T + H);
    await monitor.tick();
    await monitor.tick();
    expect(monitor.held()).toBe(true);
    expect(getTask(store, ids.normal).pauseRequest).toMatchObject({ kind: "quota", actor: "quota" });
    expect(getTask(store, ids.normal).pauseRequest?.reason).toContain("5-hour usage 95% (statusline)");
    expect(getTask(store, ids.urgent).pauseRequest).not.toBeNull();
    // Not a Claude agent: not paused by Claude's quota. The queued task stays queued (dispatch is held).
    expect(getTask(store, ids.gemini).pauseRequest).toBeNull();
    expect(getTask(store, ids.queued).state).toBe("queued");
    expect(listAlerts(store).filter((a) => a.code === "quota.critical")).toHaveLength(1);

    w.agentsStop();
    await monitor.tick();
    expect(quotaStatus(store, w.config, w.env).pausedTasks.map((t) => t.id)).toEqual([
      ids.urgent,
      ids.normal,
    ]);
    expect(listAlerts(store).filter((a) => a.code === "task.paused")).toHaveLength(2);

    // One minute before the reset: still held, nothing resumes.
    w.at(T + H - 60_000);
    await monitor.tick();
    expect(monitor.held()).toBe(true);
    expect(getTask(store, ids.urgent).state).toBe("paused");

    // The reported reset time passes: the window is empty again.
    w.at(T + H + 1);
    await monitor.tick();
    expect(monitor.held()).toBe(false);
    expect(getTask(store, ids.urgent).state).toBe("queued");
    expect(getTask(store, ids.normal).state).toBe("paused");
    w.at(T + H + 10_000);
    await monitor.tick();
    expect(getTask(store, ids.normal).state).toBe("paused"); // spread: 30 s apart by default
    w.at(T + H + 30_001);
    await monitor.tick();
    expect(getTask(store, ids.normal).state).toBe("queued");
    const resume = getTransitions(store, ids.normal).at(-1);
    expect(resume).toMatchObject({ from: "paused", to: "queued", actor: "quota" });
    expect(
      listAlerts(store)
        .filter((a) => a.code === "task.resumed")
        .map((a) => a.taskId),
    ).toEqual([ids.normal, ids.urgent]);
    // The same critical reading again later does not raise a second alert for the same window.
    expect(listAlerts(store).filter((a) => a.code === "quota.critical")).toHaveLength(1);
  });

  it("with auto_resume off, quota-paused tasks wait for `quota resume`", async () => {
    using w = world("quota:\n  auto_resume: false\n");
    w.report(91, T + H);
    await w.monitor.tick();
    w.agentsStop();
    w.at(T + 2 * H);
    await w.monitor.tick();
    await w.monitor.tick();
    expect(w.monitor.held()).toBe(false);
    expect(getTask(w.store, w.ids.urgent).state).toBe("paused");
    const released = releaseQuota(w.store, w.config, { actor: "cli" }, w.env);
    expect(released).toEqual({ resumed: [w.ids.urgent, w.ids.normal], overrideUntil: null });
    expect(getTransitions(w.store, w.ids.urgent).at(-1)).toMatchObject({ to: "queued", actor: "cli" });
  });

  it("a manual hold pauses every agent until released; releasing while critical overrides until the reset", async () => {
    using w = world();
    w.report(10, T + H);
    const { asked } = holdQuota(w.store, { actor: "cli", reason: "lunch" });
    expect(asked.sort()).toEqual([w.ids.normal, w.ids.urgent, w.ids.gemini].sort());
    await w.monitor.tick();
    expect(w.monitor.held()).toBe(true);
    expect(quotaStatus(w.store, w.config, w.env)).toMatchObject({
      held: true,
      holdCause: "manual",
      holdReason: "lunch",
    });

    w.report(97, T + H);
    const released = releaseQuota(w.store, w.config, { actor: "cli" }, w.env);
    expect(released.overrideUntil).toBe(T + H);
    // Pause requests not yet carried out are withdrawn.
    expect(getTask(w.store, w.ids.normal).pauseRequest).toBeNull();
    await w.monitor.tick();
    expect(w.monitor.held()).toBe(false);
    // After that window resets, a new critical reading pauses again.
    w.at(T + H + 1);
    w.report(93, T + 6 * H);
    await w.monitor.tick();
    expect(w.monitor.held()).toBe(true);
  });

  it("auto_pause off: critical only alerts", async () => {
    using w = world("quota:\n  auto_pause: false\n");
    w.report(99, T + H);
    await w.monitor.tick();
    expect(w.monitor.held()).toBe(false);
    expect(getTask(w.store, w.ids.normal).pauseRequest).toBeNull();
    expect(listAlerts(w.store).map((a) => a.code)).toContain("quota.critical");
  });
});
