import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api } from "./api";
import { AgentsPage } from "./pages/agents";
import { DashboardPage } from "./pages/dashboard";
import { NewTaskPage } from "./pages/new-task";
import { ProjectsPage } from "./pages/projects";
import { TaskPage } from "./pages/task";
import { TasksPage } from "./pages/tasks";
import "./styles.css";
import { useHashRoute } from "./util";

// Charts are the heaviest part of the UI and only this page needs them: loaded on first visit.
const AnalyticsPage = lazy(() => import("./pages/analytics").then((m) => ({ default: m.AnalyticsPage })));

const NAV: [string, string][] = [
  ["dashboard", "Dashboard"],
  ["tasks", "Tasks"],
  ["new", "New task"],
  ["projects", "Projects"],
  ["agents", "Agents"],
  ["analytics", "Analytics"],
];

type Theme = "light" | "dark";

function App() {
  const route = useHashRoute();
  const [theme, setTheme] = useState<Theme>(
    () =>
      (localStorage.getItem("ccm-theme") as Theme | null) ??
      (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"),
  );
  const [session, setSession] = useState<boolean>();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("ccm-theme", theme);
  }, [theme]);
  useEffect(() => {
    api.get<{ authenticated: boolean }>("/api/session").then(
      (s) => setSession(s.authenticated),
      () => setSession(false),
    );
  }, []);
  const [page = "dashboard", arg] = route;
  const current = page === "task" ? "tasks" : page;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/dashboard">
          ccm
        </a>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={current === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span className="live-dot" title="live updates" aria-hidden="true" />
        <button
          type="button"
          className="ghost"
          onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
        >
          {theme === "dark" ? "☀" : "☾"}
        </button>
      </header>
      {session === false && (
        <p className="banner" role="status">
          Read-only: this browser has no session. Run <code>ccm ui</code> to open a signed-in link.
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {page === "dashboard" && <DashboardPage />}
        {page === "tasks" && <TasksPage />}
        {page === "task" && arg && <TaskPage id={Number(arg)} />}
        {page === "new" && <NewTaskPage />}
        {page === "projects" && <ProjectsPage />}
        {page === "agents" && <AgentsPage />}
        {page === "analytics" && (
          <Suspense fallback={<p className="muted">loading…</p>}>
            <AnalyticsPage />
          </Suspense>
        )}
      </main>
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
