import pino from "pino";
import { describe, expect, it } from "vitest";
import { addProject } from "../store/projects.js";
import { createTask, getTask, transitionTask } from "../store/tasks.js";
import { steppingClock, tempStore } from "../store/test-helpers.js";
import { createScheduler } from "./scheduler.js";

const log = pino({ level: "silent" });

describe("scheduler", () => {
  it("picks by priority within the free slots and dispatches nothing without a dispatcher", async () => {
    using store = tempStore(steppingClock());
    addProject(store, { name: "p", path: "/p" });
    const ids = ["low", "urgent", "normal", "high"].map(
      (priority) =>
        createTask(
          store,
          { project: "p", prompt: priority, priority: priority as "low" },
          { maxQueueSize: 10 },
        ).id,
    );
    const scheduler = createScheduler({ store, log, maxConcurrent: () => 2 });
    expect((await scheduler.tick()).map((t) => t.prompt)).toEqual(["urgent", "high"]);
    for (const id of ids) expect(getTask(store, id).state).toBe("queued");

    transitionTask(store, ids[1]!, "executing", { reason: "test", actor: "test" });
    expect((await scheduler.tick()).map((t) => t.prompt)).toEqual(["high"]);
    transitionTask(store, ids[3]!, "planning", { reason: "test", actor: "test" });
    expect(await scheduler.tick()).toEqual([]);
  });

  it("hands picks to the dispatcher and keeps going when one dispatch fails", async () => {
    using store = tempStore(steppingClock());
    addProject(store, { name: "p", path: "/p" });
    createTask(store, { project: "p", prompt: "a" }, { maxQueueSize: 10 });
    createTask(store, { project: "p", prompt: "b" }, { maxQueueSize: 10 });
    const seen: string[] = [];
    const scheduler = createScheduler({
      store,
      log,
      maxConcurrent: () => 5,
      dispatch: async (task) => {
        seen.push(task.prompt);
        if (task.prompt === "a") throw new Error("worktree failed");
      },
    });
    await scheduler.tick();
    expect(seen).toEqual(["a", "b"]);
  });
});
