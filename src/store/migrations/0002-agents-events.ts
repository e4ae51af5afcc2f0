/**
 * Schema version 2: running agents, the events they produce (hooks and stream lines), automation decisions,
 * stage runs (so a finished stage never runs twice), reports (plan, review, verification), task commits.
 */
export const sql = `
ALTER TABLE tasks ADD COLUMN base_branch TEXT;
ALTER TABLE tasks ADD COLUMN base_commit TEXT;
ALTER TABLE tasks ADD COLUMN session_id TEXT;
ALTER TABLE tasks ADD COLUMN failure_reason TEXT;
ALTER TABLE tasks ADD COLUMN options TEXT;
ALTER TABLE tasks ADD COLUMN pending_prompt TEXT;

CREATE TABLE agents (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  stage TEXT NOT NULL,
  kind TEXT NOT NULL,
  mode TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('starting', 'working', 'waiting', 'idle', 'exited', 'lost')),
  tmux_socket TEXT,
  tmux_session TEXT,
  tmux_window TEXT,
  window_name TEXT,
  pid INTEGER,
  session_id TEXT,
  run_dir TEXT NOT NULL,
  log_offset INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  result TEXT,
  current_tool TEXT,
  last_event_at INTEGER,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX agents_task ON agents(task_id, id);
CREATE INDEX agents_active ON agents(status) WHERE status NOT IN ('exited', 'lost');

-- Written by every hook call: no foreign keys, so a bad task id in an agent's environment never makes a
-- hook fail; invalid payloads are kept with their raw text (valid = 0).
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  task_id INTEGER,
  agent_id INTEGER,
  source TEXT NOT NULL,
  event TEXT NOT NULL,
  tool TEXT,
  session_id TEXT,
  payload TEXT NOT NULL,
  valid INTEGER NOT NULL DEFAULT 1,
  decision TEXT,
  reason TEXT,
  duration_ms REAL,
  at INTEGER NOT NULL
);
CREATE INDEX events_task ON events(task_id, id);
CREATE INDEX events_at ON events(at);

CREATE TABLE automation_runs (
  id INTEGER PRIMARY KEY,
  event_id INTEGER,
  task_id INTEGER,
  script TEXT NOT NULL,
  event TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT,
  duration_ms REAL NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX automation_runs_task ON automation_runs(task_id, id);

CREATE TABLE stage_runs (
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  stage TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  agent_id INTEGER,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  PRIMARY KEY (task_id, stage, attempt)
) WITHOUT ROWID;

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  kind TEXT NOT NULL CHECK (kind IN ('plan', 'review', 'verify')),
  status TEXT,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX reports_task ON reports(task_id, id);

CREATE TABLE task_commits (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  sha TEXT NOT NULL,
  subject TEXT NOT NULL,
  checkpoint INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL,
  UNIQUE (task_id, sha)
);
`;
