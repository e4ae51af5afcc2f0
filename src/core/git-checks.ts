/**
 * Post-run git checks (issue 4): what a task's run may not have done to the repository, decided from two
 * observations (before and after the stage) without any I/O. runtime/git-checks.ts gathers them.
 */

/** What the checks look at, as recorded before a stage and observed after it. */
export interface GitState {
  /** `refs/heads/<branch>` HEAD points at, or null when detached. */
  head: string | null;
  headCommit: string | null;
  /** refs/heads/* and refs/tags/* → commit. */
  refs: Record<string, string>;
  /** Watched config entries (`scope key=value`), the agent's own environment excluded. */
  config: string[];
  /** Files in the repository's hooks folder → `size:mtime`. */
  hooks: Record<string, string>;
  /** Paths of submodules (gitlinks) in the index or in HEAD's tree. */
  gitlinks: string[];
  /** A fingerprint of `.gitmodules` (worktree file and HEAD blob), or null when neither exists. */
  gitmodules: string | null;
  /** Whether submodule clones exist in the git dir (`modules/`). */
  modulesDir: boolean;
}

export type ViolationCode = "head" | "submodule" | "ref" | "config" | "hooks";

export interface Violation {
  code: ViolationCode;
  message: string;
}

export interface RefChange {
  ref: string;
  before: string | null;
  after: string | null;
  /** The old commit is an ancestor of the new one (a plain move forward). */
  fastForward: boolean;
}

/**
 * Config keys whose change lets an agent push, run code in the user's git, or redirect remotes: remote URLs
 * and refspecs, hooks, URL rewriting, includes, aliases, ssh/fsmonitor commands, extensions, credentials.
 */
const WATCHED_CONFIG =
  /^(remote\..+\.(url|pushurl|push|receivepack|uploadpack|proxy)|core\.(hookspath|sshcommand|fsmonitor|worktree|bare|gitproxy|askpass|editor|pager)|url\..+\.(insteadof|pushinsteadof)|include\.path|includeif\..+\.path|alias\..+|extensions\..+|credential\..+|protocol\..+|diff\..+\.(command|textconv)|filter\..+|merge\..+\.driver|gpg\..+program|sequence\.editor)$/i;

export function isWatchedConfigKey(key: string): boolean {
  return WATCHED_CONFIG.test(key);
}

export interface CheckInput {
  taskBranch: string;
  baseBranch: string;
  before: GitState;
  after: GitState;
  /** Refs other than the task's own that moved, with ancestry (gathered by the caller). */
  changes: RefChange[];
  /** Refs the task's own git processes updated (the reference-transaction log of the run). */
  movedByTask: ReadonlySet<string>;
}

/** The refs that differ between two observations, the task's own branch left out. */
export function changedRefs(before: GitState, after: GitState, taskBranch: string): string[] {
  const own = `refs/heads/${taskBranch}`;
  const names = new Set([...Object.keys(before.refs), ...Object.keys(after.refs)]);
  return [...names].filter((ref) => ref !== own && before.refs[ref] !== after.refs[ref]).sort();
}

/**
 * Every rule the run broke, with the evidence in the message. A moved ref counts against the task when its
 * own git moved it (the user may commit on their branches meanwhile), and always when the base branch was
 * rewritten or deleted, which neither ccm nor an ordinary commit does.
 */
export function gitViolations(input: CheckInput): Violation[] {
  const { before, after, taskBranch, baseBranch } = input;
  const out: Violation[] = [];
  const own = `refs/heads/${taskBranch}`;
  if (after.head !== own) {
    out.push({
      code: "head",
      message:
        after.head === null
          ? `HEAD is detached at ${short(after.headCommit)} instead of on ${taskBranch}`
          : `HEAD is on ${after.head.replace(/^refs\/heads\//, "")} instead of ${taskBranch}`,
    });
  }
  const newLinks = after.gitlinks.filter((p) => !before.gitlinks.includes(p));
  if (newLinks.length > 0)
    out.push({ code: "submodule", message: `submodules added: ${newLinks.join(", ")}` });
  if (after.gitmodules !== before.gitmodules) {
    out.push({
      code: "submodule",
      message: before.gitmodules === null ? ".gitmodules was added" : ".gitmodules was changed or removed",
    });
  }
  if (after.modulesDir && !before.modulesDir) {
    out.push({ code: "submodule", message: "submodule clones appeared in the git folder (modules/)" });
  }
  const base = `refs/heads/${baseBranch}`;
  for (const change of input.changes) {
    if (change.ref === own) continue;
    const byTask = input.movedByTask.has(change.ref);
    const rewritten = change.after === null || (change.before !== null && !change.fastForward);
    if (!byTask && !(change.ref === base && rewritten)) continue;
    const what =
      change.after === null
        ? "deleted"
        : change.before === null
          ? `created at ${short(change.after)}`
          : `${change.fastForward ? "moved" : "rewritten"} ${short(change.before)} → ${short(change.after)}`;
    out.push({ code: "ref", message: `${change.ref.replace(/^refs\/heads\//, "branch ")} ${what}` });
  }
  const added = after.config.filter((c) => !before.config.includes(c));
  const removed = before.config.filter((c) => !after.config.includes(c));
  if (added.length + removed.length > 0) {
    out.push({
      code: "config",
      message: `git config changed: ${[...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`)].join("; ")}`,
    });
  }
  const hookNames = new Set([...Object.keys(before.hooks), ...Object.keys(after.hooks)]);
  const hooks = [...hookNames].filter((n) => before.hooks[n] !== after.hooks[n]).sort();
  if (hooks.length > 0) {
    out.push({ code: "hooks", message: `repository hooks changed: ${hooks.join(", ")}` });
  }
  return out;
}

/** Refs named in reference-transaction "committed" lines (`<old> <new> <ref>`). */
export function refsInLog(text: string): Set<string> {
  const refs = new Set<string>();
  for (const line of text.split("\n")) {
    const ref = line.trim().split(" ")[2];
    if (ref?.startsWith("refs/")) refs.add(ref);
  }
  return refs;
}

function short(sha: string | null): string {
  return sha ? sha.slice(0, 12) : "(none)";
}
