import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Git-level backstops for an agent's worktree: push is refused, every other hook still runs.
 *
 * They reach the agent as environment (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, git 2.31+),
 * not as config files, because that is the only place that changes nothing in the user's repository:
 * `extensions.worktreeConfig` flips a permanent repo-wide extension (older git and some libraries then refuse
 * the repo) and the agent can edit its own `config.worktree` anyway; an `includeIf` needs an edit to the
 * shared `.git/config`. The environment dies with the agent's processes, applies to every git the agent runs
 * (also `git -C <the user's checkout> push`, which per-worktree config would not cover) and leaves the user's
 * own git untouched, so their checkout pushes as before. It is a backstop only: `env -u`, `git -c`,
 * `--no-verify` get past it; the PreToolUse guard is the primary layer and the post-run checks the last.
 */

/** A scheme no git has a remote helper for: a push to it fails before anything is sent. */
export const PUSH_DISABLED_URL = "ccm-push-disabled:///";

/** The standard hook names (githooks(5)); each is delegated to the repository's own hook. */
const DELEGATED_HOOKS = [
  "applypatch-msg",
  "pre-applypatch",
  "post-applypatch",
  "pre-commit",
  "pre-merge-commit",
  "prepare-commit-msg",
  "commit-msg",
  "post-commit",
  "pre-rebase",
  "post-checkout",
  "post-merge",
  "post-rewrite",
  "pre-auto-gc",
  "sendemail-validate",
  "post-index-change",
] as const;

export const REF_LOG_FILE = "ref-updates.log";

/**
 * Writes the ccm-owned hooks folder for one task: `pre-push` refuses; `reference-transaction` records every
 * ref the agent's git updates (the post-run check uses it to tell the agent's ref moves from the user's)
 * and then runs the repository's own hook; the other hooks run the repository's own, found the way git
 * finds it without our override (`core.hooksPath` of the repository, relative ones per worktree, else
 * `<common dir>/hooks`). Rewritten at every stage start, so it is never stale.
 */
export function writeAgentHooks(dir: string, taskId: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const repoHook = (name: string) =>
    [
      `d=$(GIT_CONFIG_COUNT=0 git rev-parse --git-path hooks 2>/dev/null) || exit 0`,
      `h="$d/${name}"`,
      `[ -f "$h" ] && [ -x "$h" ] || exit 0`,
    ].join("\n");
  const files: Record<string, string> = {
    "pre-push": [
      "#!/bin/sh",
      "# ccm backstop: agents never push; the user pushes after approving the task.",
      `echo "ccm: git push is disabled for agents (task #${taskId}); the work is merged when you approve it" >&2`,
      "exit 1",
    ].join("\n"),
    "reference-transaction": [
      "#!/bin/sh",
      "# ccm backstop: remember which refs this task's git moved, then run the repository's own hook.",
      `input=$(cat)`,
      `if [ "$1" = committed ] && [ -n "$CCM_GIT_REF_LOG" ]; then printf '%s\\n' "$input" >> "$CCM_GIT_REF_LOG"; fi`,
      repoHook("reference-transaction"),
      `printf '%s\\n' "$input" | "$h" "$@"`,
    ].join("\n"),
  };
  for (const name of DELEGATED_HOOKS) {
    files[name] = ["#!/bin/sh", repoHook(name), `exec "$h" "$@"`].join("\n");
  }
  for (const [name, body] of Object.entries(files)) {
    const file = join(dir, name);
    writeFileSync(file, `${body}\n`, { mode: 0o700 });
    chmodSync(file, 0o700);
  }
}

/**
 * The environment that installs the backstops for every git the agent runs: our hooks folder, and every
 * push URL rewritten to one that cannot work (an empty `pushInsteadOf` prefix matches every URL, remote
 * names and direct URLs alike; git ignores it for a remote with an explicit `pushurl`, where the pre-push
 * hook still refuses). Config entries already in `inherited` (the daemon's own environment) are kept first.
 */
export function agentGitEnv(
  hooksDir: string,
  refLog: string,
  inherited: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const entries: [string, string][] = [];
  const count = Number(inherited.GIT_CONFIG_COUNT ?? 0);
  for (let i = 0; Number.isSafeInteger(count) && i < count; i++) {
    const key = inherited[`GIT_CONFIG_KEY_${i}`];
    if (key) entries.push([key, inherited[`GIT_CONFIG_VALUE_${i}`] ?? ""]);
  }
  entries.push(["core.hooksPath", hooksDir], [`url.${PUSH_DISABLED_URL}.pushInsteadOf`, ""]);
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: String(entries.length),
    CCM_GIT_REF_LOG: refLog,
  };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}
