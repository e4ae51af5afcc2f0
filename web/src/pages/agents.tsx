import { useEffect, useState } from "react";
import { type AgentRun, api, subscribe } from "../api";
import { ErrorNote } from "../components/bits";
import { formatDuration, formatTime, useLoad, useTick } from "../util";

export function AgentsPage() {
  const [all, setAll] = useState(false);
  const list = useLoad(
    () => api.get<{ runs: AgentRun[]; kinds: string[]; default: string }>(`/api/agents?all=${all}`),
    String(all),
  );
  const now = useTick();
  const { reload } = list;
  useEffect(() => subscribe({ agent: () => reload(), resync: reload }), [reload]);
  return (
    <section>
      <h1>Agents</h1>
      {list.data && (
        <p className="muted">
          Available: {list.data.kinds.join(", ")} (default {list.data.default})
        </p>
      )}
      <label className="inline">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> include finished
        runs
      </label>
      <ErrorNote error={list.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Task</th>
              <th>Agent</th>
              <th>Stage</th>
              <th>Status</th>
              <th>Tool</th>
              <th>Started</th>
              <th>Elapsed</th>
              <th>Window</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.runs.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>
                  <a href={`#/task/${r.taskId}`}>#{r.taskId}</a>
                </td>
                <td>
                  {r.kind} <span className="muted">{r.mode}</span>
                </td>
                <td>{r.stage}</td>
                <td>{r.status}</td>
                <td>{r.currentTool ?? ""}</td>
                <td>{formatTime(r.startedAt)}</td>
                <td>{formatDuration((r.endedAt ?? now) - r.startedAt)}</td>
                <td>
                  <code>{r.windowName ?? ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.runs.length === 0 && <p className="muted">No agent is running.</p>}
    </section>
  );
}
