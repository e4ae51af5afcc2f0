import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";

/**
 * Accounts are Claude Code configuration directories: each has its own login, so its own quota, and its
 * own `projects/` transcripts. The rules are ccusage's (reference §3): CLAUDE_CONFIG_DIR (a comma list)
 * wins; otherwise `$XDG_CONFIG_HOME/claude` and `~/.claude`, each only if it holds `projects/`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

function hasProjects(dir: string): boolean {
  try {
    return statSync(join(dir, "projects")).isDirectory();
  } catch {
    return false;
  }
}

/** Every config directory to account for (those with transcripts). */
export function claudeAccounts(env: Env = process.env): string[] {
  const home = env.HOME ?? homedir();
  const listed = (env.CLAUDE_CONFIG_DIR ?? "")
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "")
    .map((d) => resolve(d));
  const candidates =
    listed.length > 0
      ? listed
      : [join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "claude"), join(home, ".claude")];
  return [...new Set(candidates)].filter(hasProjects);
}

/** The account our agents run under: they inherit the daemon's CLAUDE_CONFIG_DIR (one directory), else ~/.claude. */
export function agentAccount(env: Env = process.env): string {
  const listed = (env.CLAUDE_CONFIG_DIR ?? "").split(",")[0]?.trim();
  return listed ? resolve(listed) : join(env.HOME ?? homedir(), ".claude");
}

/** The config directory a transcript belongs to: the folder holding its `projects/`. */
export function accountOfTranscript(path: string): string | undefined {
  const marker = `${sep}projects${sep}`;
  const at = path.lastIndexOf(marker);
  return at > 0 ? path.slice(0, at) : undefined;
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
