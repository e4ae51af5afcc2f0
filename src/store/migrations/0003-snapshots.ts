/**
 * Schema version 3: snapshot refs (refs/ccm/snapshots/task-<id>/<n>) ccm created, and why. The refs keep
 * the commits reachable; the rows say what each was for. Cleanup's last run time lives in `settings`.
 */
export const sql = `
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  n INTEGER NOT NULL,
  ref TEXT NOT NULL,
  commit_sha TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (task_id, n)
);
`;
