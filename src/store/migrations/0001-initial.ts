/** Schema version 1: machines, projects, tasks with dependencies and their transition history, settings. */
export const sql = `
CREATE TABLE systems (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  profile TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  base_branch TEXT,
  default_agent TEXT,
  verify_command TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);
-- Removed projects keep their rows (their tasks' history stays readable); names and paths are unique
-- among the active ones only, so a project can be added again.
CREATE UNIQUE INDEX projects_active_name ON projects(name) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX projects_active_path ON projects(path) WHERE removed_at IS NULL;

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  title TEXT NOT NULL,
  prompt TEXT NOT NULL,
  priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
  priority_rank INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'planning', 'executing', 'reviewing', 'verifying',
    'awaiting_approval', 'merged', 'paused', 'failed', 'cancelled', 'rejected')),
  stage TEXT CHECK (stage IS NULL OR stage IN ('planning', 'executing', 'reviewing', 'verifying')),
  agent TEXT,
  mode TEXT,
  branch TEXT,
  worktree_path TEXT,
  parent_id INTEGER REFERENCES tasks(id),
  workflow_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX tasks_queue ON tasks(state, priority_rank, created_at, id);
CREATE INDEX tasks_project ON tasks(project_id, id);

CREATE TABLE task_dependencies (
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  depends_on INTEGER NOT NULL REFERENCES tasks(id),
  PRIMARY KEY (task_id, depends_on),
  CHECK (task_id <> depends_on)
) WITHOUT ROWID;
CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on, task_id);

CREATE TABLE task_transitions (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX task_transitions_task ON task_transitions(task_id, id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;
