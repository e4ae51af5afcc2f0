import { type FormEvent, useState } from "react";
import { api, PRIORITIES, type Project, type Task } from "../api";
import { ErrorNote } from "../components/bits";
import { go, useLoad } from "../util";

export function NewTaskPage() {
  const projects = useLoad(() => api.get<{ projects: Project[] }>("/api/projects"), "projects");
  const agents = useLoad(() => api.get<{ kinds: string[]; default: string }>("/api/agents"), "agents");
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const deps = text("dependsOn")
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((d) => Number(d.replace(/^#/, "")));
    if (deps.some((d) => !Number.isInteger(d) || d <= 0)) {
      setError(new Error("Depends on: give task ids like 12, 13"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const task = await api.post<Task>("/api/tasks", {
        project: text("project"),
        prompt: text("prompt"),
        priority: text("priority"),
        ...(text("title") ? { title: text("title") } : {}),
        ...(text("agent") ? { agent: text("agent") } : {}),
        dependsOn: deps,
      });
      go(`task/${task.id}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>New task</h1>
      <ErrorNote error={projects.error} />
      {projects.data?.projects.length === 0 && (
        <p className="banner">
          No project is registered yet: run <code>ccm init</code> in a git repository, or add one on the{" "}
          <a href="#/projects">projects page</a>.
        </p>
      )}
      <form className="stack" onSubmit={submit} aria-describedby="new-task-error">
        <label>
          Project
          <select name="project" required aria-label="Project">
            {projects.data?.projects.map((p) => (
              <option key={p.id}>{p.name}</option>
            ))}
          </select>
        </label>
        <label>
          Prompt
          <textarea name="prompt" required rows={6} placeholder="What should the agent do?" />
        </label>
        <label>
          Title <span className="muted">(optional; default: the prompt's first line)</span>
          <input name="title" maxLength={200} />
        </label>
        <div className="row">
          <label>
            Priority
            <select name="priority" defaultValue="normal" aria-label="Priority">
              {PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            Agent
            <select name="agent" defaultValue="" aria-label="Agent">
              <option value="">project default</option>
              {agents.data?.kinds.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            Depends on <span className="muted">(task ids)</span>
            <input name="dependsOn" placeholder="12, 13" inputMode="numeric" />
          </label>
        </div>
        <div id="new-task-error">
          <ErrorNote error={error} />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Queuing…" : "Queue task"}
        </button>
      </form>
    </section>
  );
}
