import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { api, type Dashboard, type Sample, subscribe } from "../api";
import { Card, ErrorNote, PriorityBadge } from "../components/bits";
import { QuotaPanel } from "../components/quota";
import { formatAge, formatDuration, useLoad, useTick } from "../util";

// Chart.js is the heaviest part of the UI: the history chart loads after the rest of the dashboard.
const QuotaChart = lazy(() => import("../components/quota-chart").then((m) => ({ default: m.QuotaChart })));

const HISTORY_HOURS = [6, 24, 168] as const;

const STATUS_LABEL: Record<string, string> = {
  working: "working",
  waiting: "waiting for input",
  idle: "idle",
  starting: "starting",
};

export function DashboardPage() {
  const board = useLoad(() => api.get<Dashboard>("/api/dashboard"), "dashboard");
  const [hours, setHours] = useState<number>(24);
  const history = useLoad(
    () => api.get<{ samples: Sample[] }>(`/api/quota/history?hours=${hours}`),
    `quota-history-${hours}`,
  );
  const now = useTick();
  const minute = useTick(60_000);
  const { set, reload } = board;
  const { set: setHistory, reload: reloadHistory } = history;
  useEffect(
    () =>
      subscribe({
        agent: ({ agents }) => set((d) => d && { ...d, agents }),
        alert: (alert) =>
          set(
            (d) => d && { ...d, alerts: [alert, ...d.alerts.filter((a) => a.id !== alert.id)].slice(0, 20) },
          ),
        quota: ({ status, samples }) => {
          set((d) => d && { ...d, quota: status });
          if (samples.length > 0)
            setHistory((h) => {
              if (!h) return h;
              const seen = new Set(h.samples.map((x) => x.id));
              return { samples: [...h.samples, ...samples.filter((x) => !seen.has(x.id))] };
            });
        },
        // Queue and approvals change with transitions: refetch (cheap, and always right).
        transition: () => reload(),
        resync: () => {
          reload();
          reloadHistory();
        },
      }),
    [set, reload, setHistory, reloadHistory],
  );
  const d = board.data;
  // The chart shows the agents' account (it decides pausing), or every account when that one has none.
  const chart = useMemo(() => {
    const all = history.data?.samples ?? [];
    const mine = all.filter((x) => x.account === d?.quota.agentAccount);
    // A little room after the newest reading so its point is not drawn on the edge.
    const until = Math.max(minute, ...all.map((x) => x.at)) + hours * 36_000;
    return { samples: mine.length > 0 ? mine : all, until, since: until - hours * 3_600_000 };
  }, [history.data, d?.quota.agentAccount, minute, hours]);
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
        <QuotaPanel quota={d?.quota} now={now} onChange={reload} />
      </Card>
      <Card
        title="Usage history"
        actions={
          <label className="inline">
            <span className="sr-only">Period</span>
            <select
              aria-label="Usage history period"
              value={hours}
              onChange={(e) => setHours(Number(e.target.value))}
            >
              {HISTORY_HOURS.map((h) => (
                <option key={h} value={h}>
                  {h < 48 ? `${h} hours` : `${h / 24} days`}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorNote error={history.error} />
        {!history.data || !d ? (
          <p className="muted">loading…</p>
        ) : chart.samples.length === 0 ? (
          <p className="muted" data-testid="quota-history-empty">
            no quota data yet
          </p>
        ) : (
          <Suspense fallback={<p className="muted">loading the chart…</p>}>
            <div data-testid="quota-history" data-samples={chart.samples.length}>
              <QuotaChart
                samples={chart.samples}
                thresholds={d.quota.thresholds}
                since={chart.since}
                until={chart.until}
              />
            </div>
          </Suspense>
        )}
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
            <li key={a.id} className={`alert lvl-${a.level}`} data-code={a.code}>
              <span className={`badge lvl-${a.level}`}>{a.level}</span>{" "}
              {a.taskId !== null && <a href={`#/task/${a.taskId}`}>#{a.taskId}</a>} {a.message}{" "}
              <span className="muted">
                {a.code} · {formatAge(a.at, now)}
                {a.deliveries
                  ? ` · sent: ${Object.entries(a.deliveries)
                      .map(([k, v]) =>
                        `${k} ${v === "ok" ? "ok" : v.startsWith("unavailable") ? "unavailable" : k === "skipped" ? "" : "failed"}`.trim(),
                      )
                      .join(", ")}`
                  : ""}
              </span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
