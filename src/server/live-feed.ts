import type { Config } from "../config/load.js";
import { RUNNING_STATES } from "../core/task-state.js";
import { type Alert, alertsAfter } from "../notify/alerts.js";
import { type Sample, samplesAfter } from "../quota/samples.js";
import { type RunningAgent, runningAgents } from "../services/dashboard.js";
import { type QuotaStatus, quotaStatus } from "../services/quota.js";
import type { Store } from "../store/db.js";
import { type EventRow, listEvents } from "../store/events.js";
import { type Transition, transitionsAfter } from "../store/tasks.js";

/**
 * The live side of the API: new rows in `events`, `task_transitions`, `alerts` and `quota_samples`, agent
 * status changes and quota state changes. A message id is the position after it, one table id per part
 * (`<event>-<transition>-<sample>-<alert>`), so a reconnecting client (`Last-Event-ID`) gets exactly what it
 * missed. Agent status and quota status are state, not history: a client gets the current value when it
 * connects and every change after (quota with the samples it missed, for the history chart).
 */

export type LiveKind = "event" | "transition" | "agent" | "alert" | "quota" | "reset";

/** A transition with its task's title and project, so a list can update without a fetch. */
export type TransitionMessage = Transition & { title: string; project: string };

/** The quota status now, and the samples stored since the previous quota message (oldest first). */
export interface QuotaMessage {
  status: QuotaStatus;
  samples: Sample[];
}

export type LiveMessage =
  | { kind: "event"; id: string; data: EventRow }
  | { kind: "transition"; id: string; data: TransitionMessage }
  | { kind: "agent"; id: string; data: { agents: RunningAgent[] } }
  | { kind: "alert"; id: string; data: Alert }
  | { kind: "quota"; id: string; data: QuotaMessage }
  /** The client was too far behind to replay: refetch everything. */
  | { kind: "reset"; id: string; data: { reason: string } };

export interface Cursor {
  event: number;
  transition: number;
  sample: number;
  alert: number;
}

export interface LiveFeed {
  /** Reads what changed since the last poll and hands it to subscribers. Cheap when nothing did. */
  poll(): void;
  /** Where the stream is now. */
  cursor(): Cursor;
  /** Replays from `after` (a Last-Event-ID) then follows; returns the unsubscribe function. */
  subscribe(after: string | undefined, listener: (messages: LiveMessage[]) => void): () => void;
  subscribers(): number;
}

const REPLAY_LIMIT = 2000;
/** Quota status also changes with time alone (a window resets, a reading goes stale): look again this often. */
const QUOTA_RECHECK_MS = 30_000;

export function formatCursor(c: Cursor): string {
  return `${c.event}-${c.transition}-${c.sample}-${c.alert}`;
}

/** Two-part ids (`<event>-<transition>`, from before alerts and quota joined the feed) are accepted. */
export function parseCursor(
  text: string | undefined,
): (Partial<Cursor> & Pick<Cursor, "event" | "transition">) | undefined {
  const match = /^(\d+)-(\d+)(?:-(\d+)-(\d+))?$/.exec(text?.trim() ?? "");
  if (!match) return undefined;
  return {
    event: Number(match[1]),
    transition: Number(match[2]),
    ...(match[3] === undefined ? {} : { sample: Number(match[3]), alert: Number(match[4]) }),
  };
}

export function createLiveFeed(options: { store: Store; config: Config; batch?: number }): LiveFeed {
  const { store, config } = options;
  const batch = options.batch ?? 500;
  const listeners = new Set<(messages: LiveMessage[]) => void>();
  const maxIds = store.db.prepare(
    `SELECT (SELECT coalesce(max(id), 0) FROM events) AS e, (SELECT coalesce(max(id), 0) FROM task_transitions) AS t,
       (SELECT coalesce(max(id), 0) FROM quota_samples) AS s, (SELECT coalesce(max(id), 0) FROM alerts) AS a`,
  );
  // What quota status depends on besides the samples: the hold, the override, the agents' account, paused
  // and pausing tasks. Read through the state index, so it stays cheap on every poll.
  const quotaInputs = store.db.prepare(
    `SELECT (SELECT group_concat(key || '=' || value, ';') FROM settings
              WHERE key IN ('quota.hold', 'quota.override', 'quota.agent_account')) AS settings,
            (SELECT group_concat(id || ':' || state || ':' || coalesce(paused_by, '') || ':' || coalesce(pause_request, ''), ',')
              FROM tasks WHERE state IN (${["paused", ...RUNNING_STATES].map(() => "?").join(", ")})
              AND (state = 'paused' OR pause_request IS NOT NULL)) AS tasks`,
  );
  const top = (): Cursor => {
    const r = maxIds.get() as { e: number; t: number; s: number; a: number };
    return { event: r.e, transition: r.t, sample: r.s, alert: r.a };
  };
  const position: Cursor = top();
  let agentsKey = "";
  let quotaKey = "";
  let quotaShown = "";
  let quotaCheckedAt = 0;

  const inputsKey = () => {
    const r = quotaInputs.get("paused", ...RUNNING_STATES) as {
      settings: string | null;
      tasks: string | null;
    };
    return `${r.settings ?? ""}|${r.tasks ?? ""}`;
  };
  const currentQuota = (): { status: QuotaStatus; shown: string } => {
    const status = quotaStatus(store, config);
    const { at: _at, ...rest } = status;
    return { status, shown: JSON.stringify(rest) };
  };

  const read = (from: Cursor, until: Cursor): LiveMessage[] => {
    const out: LiveMessage[] = [];
    const at: Cursor = { ...from };
    for (;;) {
      const events = listEvents(store, { afterId: at.event, limit: batch }).filter(
        (e) => e.id <= until.event,
      );
      for (const e of events) {
        at.event = e.id;
        out.push({ kind: "event", id: formatCursor(at), data: e });
      }
      if (events.length < batch) break;
    }
    for (;;) {
      const rows = transitionsAfter(store, at.transition, batch).filter((r) => r.id <= until.transition);
      for (const r of rows) {
        at.transition = r.id;
        out.push({ kind: "transition", id: formatCursor(at), data: r });
      }
      if (rows.length < batch) break;
    }
    for (;;) {
      const rows = alertsAfter(store, at.alert, until.alert, batch);
      for (const a of rows) {
        at.alert = a.id;
        out.push({ kind: "alert", id: formatCursor(at), data: a });
      }
      if (rows.length < batch) break;
    }
    return out;
  };

  /** A quota message when samples arrived after `from.sample` or the status changed since last shown. */
  const quotaMessage = (from: number, until: Cursor, force: boolean): LiveMessage | undefined => {
    const samples = until.sample > from ? samplesAfter(store, from, until.sample, REPLAY_LIMIT) : [];
    const { status, shown } = currentQuota();
    quotaCheckedAt = Date.now();
    const changed = shown !== quotaShown;
    quotaShown = shown;
    if (!force && !changed && samples.length === 0) return undefined;
    return { kind: "quota", id: formatCursor(until), data: { status, samples } };
  };

  const deliver = (messages: LiveMessage[]) => {
    if (messages.length === 0) return;
    for (const listener of listeners) listener(messages);
  };

  return {
    poll() {
      const target = top();
      const messages: LiveMessage[] = [];
      const moved =
        target.event > position.event ||
        target.transition > position.transition ||
        target.alert > position.alert;
      if (moved && listeners.size > 0) messages.push(...read(position, target));
      if (listeners.size > 0) {
        const key = inputsKey();
        if (
          target.sample > position.sample ||
          key !== quotaKey ||
          Date.now() - quotaCheckedAt >= QUOTA_RECHECK_MS
        ) {
          quotaKey = key;
          const q = quotaMessage(position.sample, target, false);
          if (q) messages.push(q);
        }
        const agents = runningAgents(store);
        const agentKey = JSON.stringify(agents);
        if (agentKey !== agentsKey) {
          agentsKey = agentKey;
          messages.push({ kind: "agent", id: formatCursor(target), data: { agents } });
        }
      }
      Object.assign(position, target);
      deliver(messages);
    },
    cursor: () => ({ ...position }),
    subscribe(after, listener) {
      const parsed = parseCursor(after);
      const from: Cursor | undefined = parsed && {
        sample: position.sample,
        alert: position.alert,
        ...parsed,
      };
      const initial: LiveMessage[] = [];
      let sampleFrom = position.sample;
      if (from !== undefined) {
        const behind =
          position.event -
          from.event +
          (position.transition - from.transition) +
          (position.alert - from.alert) +
          (position.sample - from.sample);
        const ahead = (["event", "transition", "sample", "alert"] as const).some(
          (k) => from[k] > position[k],
        );
        if (behind > REPLAY_LIMIT || ahead) {
          initial.push({
            kind: "reset",
            id: formatCursor(position),
            data: { reason: ahead ? "unknown position" : "too far behind to replay" },
          });
        } else {
          initial.push(...read(from, position));
          sampleFrom = from.sample;
        }
      }
      // New subscribers get the current agents and quota; the next poll sends only changes from here.
      quotaKey = inputsKey();
      initial.push(quotaMessage(sampleFrom, position, true)!);
      const agents = runningAgents(store);
      agentsKey = JSON.stringify(agents);
      initial.push({ kind: "agent", id: formatCursor(position), data: { agents } });
      listener(initial);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
  };
}
