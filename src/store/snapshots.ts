import type { Store } from "./db.js";

/** Snapshot refs ccm created for a task (the refs live in git; these rows say why and when). */
export interface Snapshot {
  taskId: number;
  n: number;
  ref: string;
  commit: string;
  reason: string;
  createdAt: number;
}

interface SnapshotRow {
  task_id: number;
  n: number;
  ref: string;
  commit_sha: string;
  reason: string;
  created_at: number;
}

function toSnapshot(r: SnapshotRow): Snapshot {
  return {
    taskId: r.task_id,
    n: r.n,
    ref: r.ref,
    commit: r.commit_sha,
    reason: r.reason,
    createdAt: r.created_at,
  };
}

export function recordSnapshot(store: Store, s: Omit<Snapshot, "createdAt">): Snapshot {
  const createdAt = store.clock();
  store.db
    .prepare(
      "INSERT INTO snapshots (task_id, n, ref, commit_sha, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(s.taskId, s.n, s.ref, s.commit, s.reason, createdAt);
  return { ...s, createdAt };
}

/** A task's snapshots, oldest first. */
export function snapshotsForTask(store: Store, taskId: number): Snapshot[] {
  const rows = store.db
    .prepare("SELECT * FROM snapshots WHERE task_id = ? ORDER BY n")
    .all(taskId) as unknown as SnapshotRow[];
  return rows.map(toSnapshot);
}

export function maxSnapshotNumber(store: Store, taskId: number): number {
  const row = store.db
    .prepare("SELECT coalesce(max(n), 0) AS n FROM snapshots WHERE task_id = ?")
    .get(taskId) as { n: number };
  return row.n;
}
