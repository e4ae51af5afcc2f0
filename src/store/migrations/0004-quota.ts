/**
 * Schema version 4 (issue 6, quota): usage samples from every source, the transcript reader's file offsets
 * and de-duplicated usage entries, alerts, and the task columns pause/resume needs.
 */
export const sql = `
CREATE TABLE quota_samples (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('statusline', 'ccusage', 'transcripts')),
  window TEXT NOT NULL CHECK (window IN ('five_hour', 'seven_day')),
  used_percent REAL NOT NULL,
  resets_at INTEGER,
  tokens INTEGER,
  token_limit INTEGER,
  task_id INTEGER,
  at INTEGER NOT NULL
);
CREATE INDEX quota_samples_at ON quota_samples(at);
CREATE INDEX quota_samples_latest ON quota_samples(account, source, window, at);

-- The transcript reader's progress per file: it reads only what was appended since.
CREATE TABLE transcript_files (
  path TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  ino INTEGER NOT NULL,
  size INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  mtime_ms REAL NOT NULL
) WITHOUT ROWID;

-- One row per usage entry and account, keyed by "<message id>:<request id>" (or "<file>@<offset>" when
-- either id is missing, which is never de-duplicated, like ccusage).
CREATE TABLE usage_entries (
  account TEXT NOT NULL,
  key TEXT NOT NULL,
  at INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_creation_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  model TEXT,
  PRIMARY KEY (account, key)
) WITHOUT ROWID;
CREATE INDEX usage_entries_time ON usage_entries(account, at);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  task_id INTEGER,
  dedup_key TEXT NOT NULL,
  source_event_id INTEGER UNIQUE,
  at INTEGER NOT NULL,
  delivered_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  deliveries TEXT
);
CREATE INDEX alerts_dedup ON alerts(dedup_key, at);
CREATE INDEX alerts_pending ON alerts(id) WHERE delivered_at IS NULL;

ALTER TABLE tasks ADD COLUMN pause_request TEXT;
ALTER TABLE tasks ADD COLUMN paused_by TEXT;
ALTER TABLE tasks ADD COLUMN resume_session_id TEXT;
ALTER TABLE agents ADD COLUMN gate_stopped_at INTEGER;
`;
