import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { STAGES as CORE_STAGES, RUNNING_STATES } from "../../../src/core/task-state";
import { api, type EventRow, subscribe, type TaskDetail, type TaskState } from "../api";
import { Card, ErrorNote, PriorityBadge, StateBadge } from "../components/bits";
import { EventList } from "../components/event-list";
import { formatDuration, formatTime, useLoad } from "../util";

// The diff viewer carries the syntax highlighter: loaded when a diff is first opened.
const DiffViewer = lazy(() => import("../components/diff-viewer").then((m) => ({ default: m.DiffViewer })));

const STAGES = ["queued", ...CORE_STAGES, "awaiting_approval", "merged"] as const;
const ENDS: TaskState[] = ["merged", "cancelled", "failed", "rejected"];

function Timeline({ task }: { task: TaskDetail }) {
  const seen = new Map<string, number>();
  for (const t of task.transitions) if (!seen.has(t.to)) seen.set(t.to, t.at);
  const currentIndex = STAGES.indexOf(task.state as (typeof STAGES)[number]);
  return (
    <ol className="timeline" aria-label="Stages">
      {STAGES.map((s, i) => {
        const reached = seen.has(s);
        const cls =
          s === task.state
            ? "current"
            : reached
              ? "done"
              : currentIndex > i || ENDS.includes(task.state)
                ? "skipped"
                : "todo";
        return (
          <li key={s} className={cls} aria-current={s === task.state ? "step" : undefined}>
            <span className="step-dot" aria-hidden="true" />
            <span>{s.replace("_", " ")}</span>
            {reached && <small>{new Date(seen.get(s)!).toLocaleTimeString()}</small>}
          </li>
        );
      })}
      {!STAGES.includes(task.state as never) && (
        <li className="current end">
          <span className="step-dot" aria-hidden="true" />
          <span>{task.state}</span>
        </li>
      )}
    </ol>
  );
}

function Actions({ task, onDone }: { task: TaskDetail; onDone: () => void }) {
  const [strategy, setStrategy] = useState("merge");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState("");
  const act = async (path: string, body: object, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/tasks/${task.id}/${path}`, body);
      setNote(done);
      onDone();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const awaiting = task.state === "awaiting_approval";
  const cancellable = !ENDS.includes(task.state);
  const working = RUNNING_STATES.includes(task.state);
  const pausable = (task.state === "queued" || working) && !task.pauseRequest;
  const resumable = task.state === "paused" || task.pauseRequest !== null;
  return (
    <div className="actions">
      {pausable && (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            act(
              "pause",
              {},
              working ? "Pausing at the agent's next safe point (its session is kept)." : "Paused.",
            )
          }
        >
          Pause
        </button>
      )}
      {resumable && (
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            act(
              "resume",
              {},
              task.state === "paused"
                ? "Back in the queue; the agent continues its session."
                : "Will not pause.",
            )
          }
        >
          {task.state === "paused" ? "Resume" : "Don't pause"}
        </button>
      )}
      {awaiting && (
        <>
          <label>
            Strategy
            <select aria-label="Strategy" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
              <option value="merge">merge</option>
              <option value="squash">squash</option>
              <option value="rebase">rebase</option>
            </select>
          </label>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => act("approve", { strategy }, `Merged into ${task.baseBranch}.`)}
          >
            Approve and {strategy}
          </button>
          <input
            aria-label="Reason for rejecting"
            placeholder="reason to reject"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button
            type="button"
            className="danger"
            disabled={busy || reason.trim() === ""}
            onClick={() => act("reject", { reason }, "Rejected; the branch is kept.")}
          >
            Reject
          </button>
        </>
      )}
      {cancellable && (
        <button
          type="button"
          disabled={busy}
          onClick={() => confirm(`Cancel task #${task.id}?`) && act("cancel", {}, "Cancelled.")}
        >
          Cancel task
        </button>
      )}
      {note && (
        <span role="status" className="ok">
          {note}
        </span>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

export function TaskPage({ id }: { id: number }) {
  const detail = useLoad(() => api.get<TaskDetail>(`/api/tasks/${id}`), `task-${id}`);
  const [events, setEvents] = useState<EventRow[]>([]);
  const [tab, setTab] = useState<"events" | "reports" | "diff">("events");
  const diff = useLoad(
    () => (tab === "diff" ? api.get<{ diff: string }>(`/api/tasks/${id}/diff`) : Promise.resolve(undefined)),
    `diff-${id}-${tab}`,
  );
  const lastId = useRef(0);
  const { reload } = detail;

  useEffect(() => {
    let live = true;
    lastId.current = 0;
    setEvents([]);
    const fetchMore = async () => {
      for (;;) {
        const page = await api.get<{ events: EventRow[]; next: number | null }>(
          `/api/tasks/${id}/events?after=${lastId.current}&limit=500`,
        );
        if (!live) return;
        const fresh = page.events.filter((e) => e.id > lastId.current);
        if (fresh.length > 0) {
          lastId.current = fresh.at(-1)!.id;
          setEvents((old) => [...old, ...fresh]);
        }
        if (page.next === null) return;
      }
    };
    void fetchMore();
    const stop = subscribe({
      event: (e) => {
        if (e.taskId !== id || e.id <= lastId.current) return;
        lastId.current = e.id;
        setEvents((old) => [...old, e]);
      },
      transition: (t) => t.taskId === id && reload(),
      agent: ({ agents }) => agents.some((a) => a.taskId === id) && reload(),
      resync: () => {
        reload();
        void fetchMore();
      },
    });
    return () => {
      live = false;
      stop();
    };
  }, [id, reload]);

  const t = detail.data;
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!t) return <p className="muted">loading…</p>;
  const live = t.agents.filter((a) => a.status !== "exited" && a.status !== "lost").at(-1);
  const latest = (kind: string) => t.reports.filter((r) => r.kind === kind).at(-1);
  return (
    <article className="task-page">
      <header className="task-head">
        <h1>
          #{t.id} {t.title}
        </h1>
        <p>
          <StateBadge state={t.state} /> <PriorityBadge priority={t.priority} />{" "}
          <span className="muted">{t.project}</span>
          {t.branch && (
            <>
              {" "}
              · <code>{t.branch}</code> → <code>{t.baseBranch}</code>
            </>
          )}
          {t.startedAt && (
            <span className="muted"> · ran {formatDuration((t.finishedAt ?? Date.now()) - t.startedAt)}</span>
          )}
        </p>
        {t.state === "paused" && (
          <p className="muted" data-testid="paused-note">
            Paused{" "}
            {t.pausedBy === "quota"
              ? "for quota: it resumes by itself after the reset"
              : "by hand: it waits for Resume"}
            .
          </p>
        )}
        {t.pauseRequest && (
          <p className="muted" data-testid="pausing-note">
            Pausing at the agent's next safe point: {t.pauseRequest.reason} (by {t.pauseRequest.actor}).
          </p>
        )}
        <Actions task={t} onDone={reload} />
        {t.failureReason && <p className="error">Failure: {t.failureReason}</p>}
      </header>
      <Timeline task={t} />
      {live && (
        <p className="attach">
          Agent {live.kind} is <strong>{live.status}</strong>
          {live.currentTool ? ` (${live.currentTool})` : ""} in tmux window <code>{live.windowName}</code>.
          Attach: <code>ccm attach {t.id}</code>
          {live.tmuxSocket && (
            <>
              {" "}
              or{" "}
              <code>
                tmux -S {live.tmuxSocket} attach -t {live.tmuxSession}
              </code>
            </>
          )}
        </p>
      )}
      <div className="tabs" role="tablist" aria-label="Task views">
        {(["events", "reports", "diff"] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
          >
            {name === "events" ? `Events (${events.length})` : name === "reports" ? "Plan & reports" : "Diff"}
          </button>
        ))}
      </div>
      {tab === "events" && <EventList events={events} />}
      {tab === "reports" && (
        <div className="grid two">
          <Card title="Prompt">
            <pre className="prose">{t.prompt}</pre>
          </Card>
          {(["plan", "review", "verify"] as const).map((kind) => {
            const r = latest(kind);
            return (
              <Card
                key={kind}
                title={{ plan: "Plan", review: "Review report", verify: "Verification" }[kind]}
              >
                {r ? (
                  <>
                    {r.status && <p className="muted">status: {r.status}</p>}
                    <pre className="prose">{r.body}</pre>
                  </>
                ) : (
                  <p className="muted">None yet.</p>
                )}
              </Card>
            );
          })}
          <Card title="History">
            <ol className="list">
              {t.transitions.map((x) => (
                <li key={x.id}>
                  {formatTime(x.at)} {x.from ?? "–"} → <strong>{x.to}</strong>{" "}
                  <span className="muted">
                    by {x.actor}: {x.reason}
                  </span>
                </li>
              ))}
            </ol>
          </Card>
          <Card title="Commits">
            {t.commits.length === 0 && <p className="muted">None yet.</p>}
            <ul className="list">
              {t.commits.map((c) => (
                <li key={c.sha}>
                  <code>{c.sha.slice(0, 10)}</code> {c.subject}
                  {c.checkpoint && <span className="muted"> (checkpoint)</span>}
                </li>
              ))}
            </ul>
          </Card>
        </div>
      )}
      {tab === "diff" &&
        (t.branch ? (
          diff.error ? (
            <ErrorNote error={diff.error} />
          ) : diff.data ? (
            <Suspense fallback={<p className="muted">loading the diff viewer…</p>}>
              <DiffViewer diff={diff.data.diff} />
            </Suspense>
          ) : (
            <p className="muted">loading the diff…</p>
          )
        ) : (
          <p className="muted">No branch yet: the task gets one when it starts.</p>
        ))}
    </article>
  );
}
