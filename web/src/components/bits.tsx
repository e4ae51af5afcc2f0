import type { ReactNode } from "react";
import type { TaskState } from "../api";

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
