import { useEffect, useState } from "react";
import { api, PRIORITIES, STATES, subscribe, type Task } from "../api";
import { ErrorNote, PriorityBadge, StateBadge } from "../components/bits";
import { formatAge, useLoad } from "../util";

const PAGE = 50;

export function TasksPage() {
  const [state, setState] = useState("");
  const [priority, setPriority] = useState("");
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (state) query.set("state", state);
  if (priority) query.set("priority", priority);
  if (q.trim()) query.set("q", q.trim());
  const list = useLoad(
    () => api.get<{ tasks: Task[]; total: number }>(`/api/tasks?${query}`),
    query.toString(),
  );
  const { reload } = list;
  useEffect(() => subscribe({ transition: () => reload(), resync: reload }), [reload]);
  return (
    <section>
      <h1>Tasks</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select
            aria-label="State"
            value={state}
            onChange={(e) => {
              setState(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Priority
          <select
            aria-label="Priority"
            value={priority}
            onChange={(e) => {
              setPriority(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">any</option>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Title contains
          <input
            type="search"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setOffset(0);
            }}
          />
        </label>
      </form>
      <ErrorNote error={list.error} />
      <div className="table-wrap">
        <table className="tasks">
          <thead>
            <tr>
              <th>ID</th>
              <th>Title</th>
              <th>Project</th>
              <th>State</th>
              <th>Priority</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.tasks.map((t) => (
              <tr key={t.id}>
                <td>#{t.id}</td>
                <td>
                  <a href={`#/task/${t.id}`}>{t.title}</a>
                </td>
                <td>{t.project}</td>
                <td>
                  <StateBadge state={t.state} />
                </td>
                <td>
                  <PriorityBadge priority={t.priority} />
                </td>
                <td>{formatAge(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && (
        <p className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ← Newer
          </button>
          <span>
            {list.data.total === 0 ? 0 : offset + 1}–{offset + list.data.tasks.length} of {list.data.total}
          </span>
          <button
            type="button"
            disabled={offset + PAGE >= list.data.total}
            onClick={() => setOffset(offset + PAGE)}
          >
            Older →
          </button>
        </p>
      )}
    </section>
  );
}
