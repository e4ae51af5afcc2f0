import { useEffect } from "react";
import { api, type Dashboard, subscribe } from "../api";
import { Card, ErrorNote, PriorityBadge, QuotaGauge } from "../components/bits";
import { formatAge, formatDuration, useLoad, useTick } from "../util";

const STATUS_LABEL: Record<string, string> = {
  working: "working",
  waiting: "waiting for input",
  idle: "idle",
  starting: "starting",
};

export function DashboardPage() {
  const board = useLoad(() => api.get<Dashboard>("/api/dashboard"), "dashboard");
  const now = useTick();
  const { set, reload } = board;
  useEffect(
    () =>
      subscribe({
        agent: ({ agents }) => set((d) => d && { ...d, agents }),
        alert: (alert) =>
          set(
            (d) => d && { ...d, alerts: [alert, ...d.alerts.filter((a) => a.id !== alert.id)].slice(0, 20) },
          ),
        quota: (quota) => set((d) => d && { ...d, quota }),
        // Queue and approvals change with transitions: refetch (cheap, and always right).
        transition: () => reload(),
        resync: reload,
      }),
    [set, reload],
  );
  const d = board.data;
  return (
    <div className="grid dash">
      <ErrorNote error={board.error} />
      <Card title="Running agents">
        {!d ? (
          <p className="muted">loading…</p>
        ) : d.agents.length === 0 ? (
          <p className="muted">No agent is running.</p>
        ) : (
          <ul className="agents" data-testid="running-agents">
            {d.agents.map((a) => (
              <li key={a.id} className={`agent st-${a.status}`}>
                <span className="dot" aria-hidden="true" />
                <a href={`#/task/${a.taskId}`}>
                  #{a.taskId} {a.taskTitle}
                </a>
                <span className="muted">
                  {a.project} · {a.stage} · {a.kind}
                </span>
                <span className="status">{STATUS_LABEL[a.status] ?? a.status}</span>
                <span className="tool">{a.currentTool ? `▶ ${a.currentTool}` : ""}</span>
                <span className="elapsed">{formatDuration(now - a.startedAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Quota">
        <QuotaGauge quota={d?.quota} />
      </Card>
      <Card title="Queue" actions={<a href="#/new">New task</a>}>
        {d && (
          <>
            <p className="counts">
              {(["urgent", "high", "normal", "low"] as const).map((p) => (
                <span key={p}>
                  <PriorityBadge priority={p} /> {d.queue.counts[p]}
                </span>
              ))}
            </p>
            {d.queue.tasks.length === 0 ? (
              <p className="muted">The queue is empty.</p>
            ) : (
              <ol className="list" data-testid="queue">
                {d.queue.tasks.slice(0, 15).map((t) => (
                  <li key={t.id}>
                    <PriorityBadge priority={t.priority} />{" "}
                    <a href={`#/task/${t.id}`}>
                      #{t.id} {t.title}
                    </a>
                    <span className="muted">
                      {" "}
                      {t.project} · {formatAge(t.createdAt, now)}
                    </span>
                  </li>
                ))}
                {d.queue.total > 15 && <li className="muted">…and {d.queue.total - 15} more</li>}
              </ol>
            )}
          </>
        )}
      </Card>
      <Card title="Awaiting approval">
        {d && d.awaitingApproval.length === 0 && <p className="muted">Nothing to review.</p>}
        <ul className="list">
          {d?.awaitingApproval.map((t) => (
            <li key={t.id}>
              <a href={`#/task/${t.id}`}>
                #{t.id} {t.title}
              </a>{" "}
              <span className="muted">{t.project}</span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Recent alerts">
        {d && d.alerts.length === 0 && <p className="muted">No alerts.</p>}
        <ul className="list alerts" data-testid="alerts">
          {d?.alerts.map((a) => (
            <li key={a.id} className={`alert-${a.kind}`}>
              {a.taskId !== null && <a href={`#/task/${a.taskId}`}>#{a.taskId}</a>} {a.message}{" "}
              <span className="muted">{formatAge(a.at, now)}</span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
