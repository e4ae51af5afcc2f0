import {
  type Alert,
  eventAlert,
  failureAlert,
  type RunningAgent,
  runningAgents,
} from "../services/dashboard.js";
import type { QuotaStatus } from "../services/quota-status.js";
import type { Store } from "../store/db.js";
import { type EventRow, listEvents } from "../store/events.js";
import { type Transition, transitionsAfter } from "../store/tasks.js";

/**
 * The live side of the API: new rows in `events` and `task_transitions`, agent status changes, alerts.
 * Ids of events and transitions are the tables' own ids, so a message id (`<eventId>-<transitionId>`, the
 * position after it) tells a reconnecting client exactly where it left off (`Last-Event-ID`). Agent status
 * is state, not history: a client gets the current list when it connects and every change after.
 * `quota` messages are defined for the quota work (issue 6) to publish through `publish`.
 */

export type LiveKind = "event" | "transition" | "agent" | "alert" | "quota" | "reset";

/** A transition with its task's title and project, so a list can update without a fetch. */
export type TransitionMessage = Transition & { title: string; project: string };

export type LiveMessage =
  | { kind: "event"; id: string; data: EventRow }
  | { kind: "transition"; id: string; data: TransitionMessage }
  | { kind: "agent"; id: string; data: { agents: RunningAgent[] } }
  | { kind: "alert"; id: string; data: Alert }
  | { kind: "quota"; id: string; data: QuotaStatus }
  /** The client was too far behind to replay: refetch everything. */
  | { kind: "reset"; id: string; data: { reason: string } };

export interface Cursor {
  event: number;
  transition: number;
}

export interface LiveFeed {
  /** Reads what changed since the last poll and hands it to subscribers. Cheap when nothing did. */
  poll(): void;
  /** Where the stream is now. */
  cursor(): Cursor;
  /** Replays from `after` (a Last-Event-ID) then follows; returns the unsubscribe function. */
  subscribe(after: string | undefined, listener: (messages: LiveMessage[]) => void): () => void;
  /** For other producers (quota, notifications): delivered to current subscribers, not replayed. */
  publish(message: Extract<LiveMessage, { kind: "alert" | "quota" }>["data"], kind: "alert" | "quota"): void;
  subscribers(): number;
}

const REPLAY_LIMIT = 2000;

export function formatCursor(c: Cursor): string {
  return `${c.event}-${c.transition}`;
}

export function parseCursor(text: string | undefined): Cursor | undefined {
  const match = /^(\d+)-(\d+)$/.exec(text?.trim() ?? "");
  return match ? { event: Number(match[1]), transition: Number(match[2]) } : undefined;
}

export function createLiveFeed(options: { store: Store; batch?: number }): LiveFeed {
  const { store } = options;
  const batch = options.batch ?? 500;
  const listeners = new Set<(messages: LiveMessage[]) => void>();
  const maxIds = store.db.prepare(
    "SELECT (SELECT coalesce(max(id), 0) FROM events) AS e, (SELECT coalesce(max(id), 0) FROM task_transitions) AS t",
  );
  const now = () => maxIds.get() as { e: number; t: number };
  const start = now();
  const position: Cursor = { event: start.e, transition: start.t };
  let agentsKey = "";

  const read = (from: Cursor, until: Cursor): LiveMessage[] => {
    const out: LiveMessage[] = [];
    const at: Cursor = { ...from };
    for (;;) {
      const events = listEvents(store, { afterId: at.event, limit: batch }).filter(
        (e) => e.id <= until.event,
      );
      for (const e of events) {
        at.event = e.id;
        const id = formatCursor(at);
        out.push({ kind: "event", id, data: e });
        if (e.decision === "block" || e.event === "permission_denied") {
          out.push({
            kind: "alert",
            id,
            data: eventAlert(e),
          });
        }
      }
      if (events.length < batch) break;
    }
    for (;;) {
      const rows = transitionsAfter(store, at.transition, batch).filter((r) => r.id <= until.transition);
      for (const r of rows) {
        at.transition = r.id;
        const id = formatCursor(at);
        out.push({ kind: "transition", id, data: r });
        if (r.to === "failed") {
          out.push({
            kind: "alert",
            id,
            data: failureAlert(r),
          });
        }
      }
      if (rows.length < batch) break;
    }
    return out;
  };

  const deliver = (messages: LiveMessage[]) => {
    if (messages.length === 0) return;
    for (const listener of listeners) listener(messages);
  };

  return {
    poll() {
      const top = now();
      const messages: LiveMessage[] = [];
      if (top.e > position.event || top.t > position.transition) {
        const target = { event: top.e, transition: top.t };
        if (listeners.size > 0) messages.push(...read(position, target));
        position.event = target.event;
        position.transition = target.transition;
      }
      if (listeners.size > 0) {
        const agents = runningAgents(store);
        const key = JSON.stringify(agents);
        if (key !== agentsKey) {
          agentsKey = key;
          messages.push({ kind: "agent", id: formatCursor(position), data: { agents } });
        }
      }
      deliver(messages);
    },
    cursor: () => ({ ...position }),
    subscribe(after, listener) {
      const from = parseCursor(after);
      const initial: LiveMessage[] = [];
      if (from !== undefined) {
        const behind = position.event - from.event + (position.transition - from.transition);
        if (behind > REPLAY_LIMIT || from.event > position.event || from.transition > position.transition) {
          initial.push({
            kind: "reset",
            id: formatCursor(position),
            data: { reason: behind > REPLAY_LIMIT ? "too far behind to replay" : "unknown position" },
          });
        } else {
          initial.push(...read(from, position));
        }
      }
      const agents = runningAgents(store);
      // New subscribers get the current list; the next poll sends only changes from here.
      agentsKey = JSON.stringify(agents);
      initial.push({ kind: "agent", id: formatCursor(position), data: { agents } });
      listener(initial);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(data, kind) {
      deliver([{ kind, id: formatCursor(position), data } as LiveMessage]);
    },
    subscribers: () => listeners.size,
  };
}
