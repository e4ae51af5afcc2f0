import { type FormEvent, useState } from "react";
import { api, type Project } from "../api";
import { ErrorNote } from "../components/bits";
import { formatTime, useLoad } from "../util";

export function ProjectsPage() {
  const list = useLoad(() => api.get<{ projects: Project[] }>("/api/projects"), "projects");
  const [error, setError] = useState<Error>();
  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    try {
      setError(undefined);
      await api.post("/api/projects", {
        path: String(data.get("path")),
        ...(data.get("name") ? { name: String(data.get("name")) } : {}),
      });
      form.reset();
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section>
      <h1>Projects</h1>
      <ErrorNote error={list.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Path</th>
              <th>Base branch</th>
              <th>Agent</th>
              <th>Registered</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.projects.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`#/tasks`}>{p.name}</a>
                </td>
                <td>
                  <code>{p.path}</code>
                </td>
                <td>{p.baseBranch ?? "–"}</td>
                <td>{p.defaultAgent ?? "default"}</td>
                <td>{formatTime(p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Register a repository</h2>
      <form className="row" onSubmit={add}>
        <label>
          Path
          <input name="path" required placeholder="/home/me/code/repo" />
        </label>
        <label>
          Name <span className="muted">(optional)</span>
          <input name="name" />
        </label>
        <button type="submit">Add project</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
