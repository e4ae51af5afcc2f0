import type { ReactNode } from "react";
import type { Quota, TaskState } from "../api";

export function StateBadge({ state }: { state: TaskState | string }) {
  return <span className={`badge state-${state}`}>{state.replace("_", " ")}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge prio-${priority}`}>{priority}</span>;
}

export function Card({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  const id = `card-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const hint = (error as { hint?: string }).hint;
  return (
    <p className="error" role="alert">
      {error.message}
      {hint && <span className="hint"> — {hint}</span>}
    </p>
  );
}

/** The quota gauge: a real figure when the quota source has one, an honest "no data" otherwise. */
export function QuotaGauge({ quota }: { quota: Quota | undefined }) {
  if (!quota?.available) {
    return (
      <div className="gauge empty" data-testid="quota">
        <div className="gauge-bar" aria-hidden="true" />
        <p>{quota ? quota.message : "loading…"}</p>
      </div>
    );
  }
  const pct = Math.round(quota.utilisation * 100);
  return (
    <div className={`gauge q-${quota.state}`} data-testid="quota">
      <meter
        className="gauge-meter"
        min={0}
        max={100}
        low={50}
        high={90}
        optimum={0}
        value={pct}
        aria-label="quota used"
      />
      <p>
        {pct}% used ({quota.state})
        {quota.windowEndsAt ? `, resets ${new Date(quota.windowEndsAt).toLocaleTimeString()}` : ""}
      </p>
    </div>
  );
}
