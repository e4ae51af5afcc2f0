import type { DatabaseSync } from "node:sqlite";
import {
  type AutomationRunner,
  type Decision,
  failClosedEvents,
  isFailClosed,
  NO_DECISION,
} from "./automations.js";
import { BLOCKING_EVENTS } from "./events.js";
import {
  type AgentUpdate,
  agentUpdateOf,
  applyAgentUpdate,
  eventRowOf,
  ingestEvent,
  recordDecision,
} from "./ingest.js";
import { pauseGate, withStop } from "./pause-gate.js";
import { type ParsedPayload, parsePayload } from "./payload.js";

/**
 * One hook event, whatever the transport: parse, store (event + agent status, one transaction), run the
 * automations, record their runs. Never throws: a hook that cannot store its event lets the agent go on
 * (and says why in `notes`), unless the event is fail-closed, in which case the decision is a block.
 */

export interface HookRequest {
  /** From argv (command hook) or the URL (http hook); cross-checked with the payload's hook_event_name. */
  event: string | undefined;
  body: Uint8Array | string;
  taskId: number | null;
  agentId: number | null;
  /** The automations' environment; CCM_FAIL_CLOSED is read from it. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface HookDeps {
  /** The database, opened on first use; may throw (missing file, full disk, …). */
  db: () => DatabaseSync;
  runner: AutomationRunner;
  /** Wall-clock ms for `at`. */
  now?: () => number;
  /** Ms spent on this event so far (process time for a command hook), for `duration_ms`. */
  elapsed: () => number;
}

export interface HookOutcome {
  event: string;
  parsed: ParsedPayload;
  decision: Decision;
  eventId: number | null;
  /** The hook's own failure (bad payload, storage), if any. */
  failure?: string;
  /** The block comes from failing closed, not from an automation. */
  failedClosed: boolean;
  /** One-line diagnostics for stderr (Claude Code's debug log) or the daemon log. */
  notes: string[];
}

export async function handleHook(request: HookRequest, deps: HookDeps): Promise<HookOutcome> {
  const now = deps.now ?? Date.now;
  const parsed = parsePayload(request.body, request.event);
  const event = parsed.event;
  const notes: string[] = [];
  let failure = parsed.valid ? undefined : `invalid hook payload: ${parsed.errors.join("; ")}`;
  if (failure !== undefined) notes.push(`stored as invalid: ${parsed.errors.join("; ")}`);

  let db: DatabaseSync | undefined;
  let eventId: number | null = null;
  const update = agentUpdateOf(parsed);
  // A Stop an automation blocks sends the agent back to work, so the agent is idle only once the
  // automations have let it stop: the daemon ends an interactive session as soon as it sees it idle.
  const deferred: AgentUpdate | undefined =
    update.status === "idle" && BLOCKING_EVENTS.has(event) ? { status: "idle" } : undefined;
  try {
    db = deps.db();
    const row = eventRowOf(parsed, {
      taskId: request.taskId,
      agentId: request.agentId,
      at: now(),
      durationMs: round(deps.elapsed()),
    });
    eventId = ingestEvent(db, row, deferred ? { ...update, status: undefined } : update);
  } catch (error) {
    const message = `event not stored: ${describe(error)}`;
    notes.push(message);
    failure ??= message;
  }

  let decision: Decision = NO_DECISION;
  if (parsed.data !== undefined) {
    try {
      decision = await deps.runner.run({ event, payload: parsed.data, env: request.env });
    } catch (error) {
      const message = `automations failed: ${describe(error)}`;
      notes.push(message);
      failure ??= message;
    }
  }

  let failedClosed = false;
  const closed =
    BLOCKING_EVENTS.has(event) && isFailClosed(failClosedEvents(request.env.CCM_FAIL_CLOSED), event);
  if (failure !== undefined && closed && decision.decision !== "block") {
    decision = { ...decision, decision: "block", reason: `ccm hook failed closed on ${event}: ${failure}` };
    failedClosed = true;
  }

  if (db !== undefined && eventId !== null && (decision.runs.length > 0 || decision.decision !== "allow")) {
    try {
      recordDecision(
        db,
        { eventId, taskId: request.taskId, event, at: now(), durationMs: round(deps.elapsed()) },
        decision,
      );
    } catch (error) {
      notes.push(`decision not stored: ${describe(error)}`);
    }
  }
  if (db !== undefined && request.agentId !== null) {
    try {
      const stop = pauseGate(db, request.agentId, event, now());
      if (stop !== undefined) {
        decision = withStop(decision, stop);
        notes.push(stop);
      }
    } catch (error) {
      notes.push(`pause check failed: ${describe(error)}`);
    }
  }
  const stopped = decision.decision !== "block";
  if (deferred && stopped && db !== undefined && eventId !== null && request.agentId !== null) {
    try {
      applyAgentUpdate(db, request.agentId, deferred, now());
    } catch (error) {
      notes.push(`agent status not stored: ${describe(error)}`);
    }
  }
  const outcome: HookOutcome = { event, parsed, decision, eventId, failedClosed, notes };
  if (failure !== undefined) outcome.failure = failure;
  return outcome;
}

/** Parses a task or agent id from the environment or a header; anything but a positive integer is null. */
export function parseId(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  return Number(value);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
