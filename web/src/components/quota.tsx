import { useState } from "react";
import { api, type Quota } from "../api";
import { formatDuration } from "../util";
import { ErrorNote } from "./bits";

type Account = Quota["accounts"][number];
type Window = Account["windows"][number];

export const WINDOW_LABEL: Record<Window["window"], string> = { five_hour: "5-hour", seven_day: "7-day" };
export const SOURCE_LABEL: Record<string, string> = {
  statusline: "status line",
  ccusage: "ccusage",
  transcripts: "transcripts (fallback)",
};

const clock = (at: number) => new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const day = (at: number) => new Date(at).toLocaleDateString([], { weekday: "short" });

function resetText(w: Window, now: number): string {
  if (w.resetsAt === null) return "reset time unknown";
  if (w.reset) return `reset at ${clock(w.resetsAt)} (was ${Math.round(w.reportedPercent)}%)`;
  const soon = w.resetsAt - now < 20 * 3_600_000;
  return `resets ${soon ? "" : `${day(w.resetsAt)} `}${clock(w.resetsAt)} (in ${formatDuration(w.resetsAt - now)})`;
}

function WindowBar({ w, quota, now }: { w: Window; quota: Quota; now: number }) {
  const pct = Math.round(w.usedPercent);
  const { warningPercent, criticalPercent } = quota.thresholds;
  const label = WINDOW_LABEL[w.window];
  return (
    <div className={`qwin lvl-${w.level}`} data-window={w.window}>
      <span className="qwin-label">{label}</span>
      <meter
        className="sr-only"
        aria-label={`${label} window used`}
        min={0}
        max={100}
        low={warningPercent}
        high={criticalPercent}
        optimum={0}
        value={pct}
      />
      <div className="qbar" aria-hidden="true">
        <div className="qbar-fill" style={{ width: `${Math.min(100, Math.max(0, w.usedPercent))}%` }} />
        <span
          className="qbar-mark warn"
          style={{ left: `${warningPercent}%` }}
          title={`warning ${warningPercent}%`}
        />
        <span
          className="qbar-mark crit"
          style={{ left: `${criticalPercent}%` }}
          title={`critical ${criticalPercent}%`}
        />
      </div>
      <span className="qwin-pct">{pct}%</span>
      <span className="qwin-meta muted">
        {resetText(w, now)} · read {formatDuration(now - w.at)} ago
      </span>
    </div>
  );
}

/**
 * The dashboard's quota gauge: every account's 5-hour and 7-day windows from the source in force, the
 * thresholds marked on each bar, held/paused state, and the pause/resume controls. With no readings it says
 * so; it never shows a figure no source reported.
 */
export function QuotaPanel({
  quota,
  now,
  onChange,
}: {
  quota: Quota | undefined;
  now: number;
  onChange: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState("");
  if (!quota) return <p className="muted">loading…</p>;
  const act = async (path: "pause" | "resume") => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<{ asked?: number[]; resumed?: number[]; overrideUntil?: number | null }>(
        `/api/quota/${path}`,
      );
      setNote(
        path === "pause"
          ? `Held; ${r.asked?.length ?? 0} running task(s) pause at their next safe point.`
          : `Resumed; ${r.resumed?.length ?? 0} task(s) back in the queue${r.overrideUntil ? `; auto-pause off until ${clock(r.overrideUntil)}` : ""}.`,
      );
      onChange();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  // The agents' account first: it is the one that decides pausing.
  const accounts = [...quota.accounts].sort(
    (a, b) => Number(b.account === quota.agentAccount) - Number(a.account === quota.agentAccount),
  );
  const { warningPercent, criticalPercent } = quota.thresholds;
  return (
    <div className={`quota lvl-${quota.level}`} data-testid="quota">
      <p className="quota-state" data-testid="quota-state">
        {accounts.length > 0 && <span className={`badge lvl-${quota.level}`}>{quota.level}</span>}
        {quota.held ? (
          <span className="badge held">
            held{quota.holdCause === "manual" ? " (by hand)" : " (critical)"}
          </span>
        ) : (
          <span className="badge running">dispatching</span>
        )}
        {quota.pausedTasks.length > 0 && (
          <span className="badge state-paused">{quota.pausedTasks.length} paused</span>
        )}
        {quota.pausing.length > 0 && <span className="badge">{quota.pausing.length} pausing</span>}
        {!quota.enabled && <span className="muted">not watched (quota.enabled: false)</span>}
      </p>
      {quota.held && quota.holdReason && <p className="quota-reason">{quota.holdReason}</p>}
      {quota.override && (
        <p className="muted">
          Auto-pause overridden until {clock(quota.override.until)} (by {quota.override.actor}).
        </p>
      )}
      {accounts.length === 0 ? (
        <div className="quota-empty">
          <div className="qbar empty" aria-hidden="true" />
          <p>no quota data yet</p>
          <p className="muted">
            Readings come from interactive agents' status line, ccusage, or the transcript reader.
          </p>
        </div>
      ) : (
        accounts.map((a) => (
          <section key={a.account} className="quota-account" aria-label={`account ${a.account}`}>
            <p className="quota-account-head">
              <code title={a.account}>{a.account}</code>
              {a.account === quota.agentAccount && <span className="muted"> (agents)</span>}{" "}
              <span className="badge source" data-testid="quota-source">
                source: {a.source ? SOURCE_LABEL[a.source] : "none current"}
              </span>
            </p>
            {a.windows.map((w) => (
              <WindowBar key={w.window} w={w} quota={quota} now={now} />
            ))}
          </section>
        ))
      )}
      <p className="muted quota-legend">
        Marks: warning {warningPercent}%, critical {criticalPercent}% · auto-pause{" "}
        {quota.autoPause ? "on" : "off"}, auto-resume {quota.autoResume ? "on" : "off"}
      </p>
      {quota.pausedTasks.length > 0 && (
        <p className="quota-paused">
          Paused for quota (resume order):{" "}
          {quota.pausedTasks.map((t, i) => (
            <span key={t.id}>
              {i > 0 && ", "}
              <a href={`#/task/${t.id}`}>#{t.id}</a>
            </span>
          ))}
        </p>
      )}
      <div className="actions">
        {quota.holdCause !== "manual" && (
          <button type="button" disabled={busy} onClick={() => act("pause")}>
            Pause all work
          </button>
        )}
        {(quota.held || quota.pausedTasks.length > 0) && (
          <button type="button" className="primary" disabled={busy} onClick={() => act("resume")}>
            Resume work
          </button>
        )}
        {note && (
          <span role="status" className="ok">
            {note}
          </span>
        )}
      </div>
      <ErrorNote error={error} />
    </div>
  );
}
