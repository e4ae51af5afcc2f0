/** Resource limits of a task (safety.limits), decided from a measurement without I/O. */

export interface LimitSettings {
  max_worktree_mb: number;
  max_file_mb: number;
  max_commits: number;
}

export interface WorktreeMeasure {
  /** Bytes of all files in the worktree, `.git` excluded (apparent sizes, symlinks not followed). */
  bytes: number;
  files: number;
  largest: { path: string; bytes: number } | null;
  /** Commits on the task branch since its base. */
  commits: number;
}

export type LimitName = "max_worktree_mb" | "max_file_mb" | "max_commits";

export interface LimitBreach {
  limit: LimitName;
  /** The configured limit and the measured value, in the limit's unit (MiB or commits). */
  max: number;
  value: number;
  message: string;
}

const MIB = 1024 * 1024;

/** The first limit the measurement exceeds (worktree size, then file size, then commits), or null. */
export function limitBreach(m: WorktreeMeasure, limits: LimitSettings): LimitBreach | null {
  if (m.bytes > limits.max_worktree_mb * MIB) {
    const value = round(m.bytes / MIB);
    return {
      limit: "max_worktree_mb",
      max: limits.max_worktree_mb,
      value,
      message: `the worktree holds ${value} MiB (${m.files} files, .git excluded), over safety.limits.max_worktree_mb (${limits.max_worktree_mb})`,
    };
  }
  if (m.largest && m.largest.bytes > limits.max_file_mb * MIB) {
    const value = round(m.largest.bytes / MIB);
    return {
      limit: "max_file_mb",
      max: limits.max_file_mb,
      value,
      message: `${m.largest.path} is ${value} MiB, over safety.limits.max_file_mb (${limits.max_file_mb})`,
    };
  }
  if (m.commits > limits.max_commits) {
    return {
      limit: "max_commits",
      max: limits.max_commits,
      value: m.commits,
      message: `the task branch has ${m.commits} commits, over safety.limits.max_commits (${limits.max_commits})`,
    };
  }
  return null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
