import type { Config } from "../config/load.js";
import { Tmux } from "../runtime/tmux.js";
import { activeAgentRuns } from "../store/agents.js";
import type { Store } from "../store/db.js";

export interface CleanupResult {
  closed: { windowId: string; name: string; why: string }[];
}

/**
 * Closes windows in the agents' tmux session that no active agent run owns (left behind by crashes or
 * by hand), and interactive agents idle for longer than agents.max_idle_time. Work in worktrees is never
 * touched: the runner checkpoints a task's worktree when its agent is stopped.
 */
export async function cleanupAgents(options: {
  store: Store;
  config: Config;
  dryRun: boolean;
}): Promise<CleanupResult> {
  const { store, config } = options;
  const tmux = new Tmux(config.agents.tmux_socket ? { socket: config.agents.tmux_socket } : {});
  const session = config.agents.tmux_session_name;
  const closed: CleanupResult["closed"] = [];
  if (!(await tmux.hasSession(session))) return { closed };
  const active = activeAgentRuns(store);
  const owned = new Set(active.map((r) => r.tmuxWindow).filter(Boolean));
  const now = store.clock();
  const idleLimit = config.agents.max_idle_time * 1000;
  for (const window of await tmux.listWindows(session)) {
    const run = active.find((r) => r.tmuxWindow === window.windowId);
    let why: string | undefined;
    if (!owned.has(window.windowId)) {
      // The session's first window is the placeholder that keeps the session alive.
      if (window.name === "home") continue;
      why = "no running task owns it";
    } else if (
      run &&
      run.mode === "interactive" &&
      (run.status === "idle" || run.status === "waiting") &&
      now - (run.lastEventAt ?? run.startedAt) > idleLimit
    ) {
      why = `idle for more than ${config.agents.max_idle_time}s`;
    }
    if (!why) continue;
    closed.push({ windowId: window.windowId, name: window.name, why });
    // The runner sees the agent's exit (its wrapper records it) and finishes or fails the stage as usual.
    if (!options.dryRun) await tmux.killWindow(window.windowId);
  }
  return { closed };
}
