import { CcmError } from "../../errors.js";
import { COMMAND_HOOK_EVENTS, HTTP_HOOK_EVENTS } from "../../hooks/events.js";
import type { HookCommand } from "../adapter.js";

/**
 * The per-run Claude Code settings object, written to one file and passed as `--settings <file>` (only
 * the last `--settings` flag counts, so hooks, status line and permissions all go in here). Never written
 * into the user's own settings files (DESIGN §2.6).
 */

export type HookTransport = "command" | "http";

export interface ClaudePermissions {
  allow?: readonly string[];
  deny?: readonly string[];
  ask?: readonly string[];
  defaultMode?: "default" | "acceptEdits" | "plan" | "auto" | "dontAsk" | "bypassPermissions";
  additionalDirectories?: readonly string[];
}

export interface ClaudeSettingsOptions {
  /** `<node> <pkg>/dist/hooks/entry.js`; the event name is appended per event. */
  hook: HookCommand;
  /** Events to hook; default DEFAULT_HOOK_EVENTS. */
  events?: readonly string[];
  /** The status-line command (interactive sessions only). */
  statusLine?: HookCommand;
  permissions?: ClaudePermissions;
  transport: HookTransport;
  /** The daemon's hook route, e.g. `http://127.0.0.1:7777/hooks`; the event is appended. Required for http. */
  httpUrl?: string;
  /** Events on which a failed hook (could not start, timed out, crashed) blocks: `onFailure: "block"`. */
  failClosed?: readonly string[];
  /** Handler timeout in seconds (default 60; SessionEnd gets 5, see below). */
  timeoutSec?: number;
}

export interface CommandHandler {
  type: "command";
  command: string;
  args: string[];
  timeout: number;
  onFailure?: "block";
}

export interface HttpHandler {
  type: "http";
  url: string;
  headers: Record<string, string>;
  allowedEnvVars: string[];
  timeout: number;
  onFailure?: "block";
}

export interface MatcherGroup {
  matcher?: string;
  hooks: (CommandHandler | HttpHandler)[];
}

export interface ClaudeSettings {
  hooks: Record<string, MatcherGroup[]>;
  statusLine?: { type: "command"; command: string; padding: number };
  permissions?: ClaudePermissions;
}

/**
 * Every event that takes command hooks except WorktreeCreate: a WorktreeCreate hook *replaces* Claude
 * Code's own `git worktree add` (the hook must create it and print its path), which ours does not do.
 */
export const DEFAULT_HOOK_EVENTS: readonly string[] = COMMAND_HOOK_EVENTS.filter(
  (e) => e !== "WorktreeCreate",
);

/** Environment variables the http hook headers pass on (Claude Code interpolates only listed ones). */
export const HTTP_HOOK_ENV = ["CCM_TASK_ID", "CCM_AGENT_ID", "CCM_FAIL_CLOSED", "CCM_HOOK_TOKEN"] as const;

export const HTTP_HEADERS = {
  taskId: "x-ccm-task-id",
  agentId: "x-ccm-agent-id",
  failClosed: "x-ccm-fail-closed",
} as const;

const DEFAULT_TIMEOUT_SEC = 60;
/** SessionEnd hooks share a 1.5 s budget raised to the largest timeout (up to 60 s): keep exit prompt. */
const SESSION_END_TIMEOUT_SEC = 5;
/** onFailure is ignored on these (reference §2.1). */
const NO_ON_FAILURE: ReadonlySet<string> = new Set(["Stop", "SubagentStop", "TaskCompleted", "TeammateIdle"]);

export function buildClaudeSettings(options: ClaudeSettingsOptions): ClaudeSettings {
  const events = options.events ?? DEFAULT_HOOK_EVENTS;
  for (const event of events) {
    if (!DEFAULT_HOOK_EVENTS.includes(event)) {
      throw new CcmError("INVALID_ARGUMENT", `cannot hook '${event}': not an event ccm's hook handles`, {
        hint: `Use events from: ${DEFAULT_HOOK_EVENTS.join(", ")}.`,
      });
    }
  }
  if (
    options.transport === "http" &&
    (options.httpUrl === undefined || !/^https?:\/\//.test(options.httpUrl))
  ) {
    throw new CcmError("INVALID_ARGUMENT", "the http hook transport needs the daemon's hook URL (httpUrl)");
  }
  const failClosed = new Set(options.failClosed ?? []);
  const timeout = options.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
  const hooks: Record<string, MatcherGroup[]> = {};
  for (const event of events) {
    const handlerTimeout = event === "SessionEnd" ? Math.min(timeout, SESSION_END_TIMEOUT_SEC) : timeout;
    // SessionStart and Setup accept command hooks only, so they stay commands under http.
    const handler: CommandHandler | HttpHandler =
      options.transport === "http" && HTTP_HOOK_EVENTS.includes(event as never)
        ? httpHandler(options.httpUrl!, event, handlerTimeout)
        : {
            type: "command",
            command: options.hook.command,
            args: [...options.hook.args, event],
            timeout: handlerTimeout,
          };
    if (failClosed.has(event) && !NO_ON_FAILURE.has(event)) handler.onFailure = "block";
    hooks[event] = [{ hooks: [handler] }];
  }
  const settings: ClaudeSettings = { hooks };
  if (options.statusLine !== undefined) {
    // statusLine has no exec form in 2.1.330 (its schema is {type, command, padding, refreshInterval}):
    // the command is a shell string, so each word is single-quoted.
    const words = [options.statusLine.command, ...options.statusLine.args].map(shellQuote);
    settings.statusLine = { type: "command", command: words.join(" "), padding: 0 };
  }
  if (options.permissions !== undefined) settings.permissions = options.permissions;
  return settings;
}

function httpHandler(base: string, event: string, timeout: number): HttpHandler {
  return {
    type: "http",
    url: `${base.replace(/\/+$/, "")}/${event}`,
    headers: {
      [HTTP_HEADERS.taskId]: "$CCM_TASK_ID",
      [HTTP_HEADERS.agentId]: "$CCM_AGENT_ID",
      [HTTP_HEADERS.failClosed]: "$CCM_FAIL_CLOSED",
      authorization: "Bearer $CCM_HOOK_TOKEN",
    },
    allowedEnvVars: [...HTTP_HOOK_ENV],
    timeout,
  };
}

/**
 * Claude Code's own layer of the guard (issue 4, 1a): permission deny rules for the secrets the hook guard
 * also refuses. Verified with the real 2.1.330 binary (test/e2e/claude-guard.test.ts): `Read(//abs/**)`
 * denies the Read tool and Bash commands that read the path, `Edit(//abs/**)` denies Write/Edit there, even
 * under bypassPermissions. A secret folder that contains the worktree is left out (it would deny the work).
 *
 * Not shipped: `sandbox.enabled` (bwrap) does confine Bash writes to the worktree here, but only with
 * socat installed as well, and it also confines the network to `sandbox.network.allowedDomains` by default,
 * which would break package installs; the hook guard and the permission rules carry the policy instead.
 */
export function guardPermissions(guard: {
  worktree: string;
  deny_read: readonly string[];
}): ClaudePermissions {
  const deny: string[] = [];
  for (const path of guard.deny_read) {
    if (guard.worktree === path || guard.worktree.startsWith(`${path}/`)) continue;
    // `//` makes the rule path absolute (a single `/` is relative to the settings file).
    for (const rule of [`/${path}`, `/${path}/**`]) deny.push(`Read(${rule})`, `Edit(${rule})`);
  }
  return { deny };
}

/** POSIX single-quoting: the word reaches the program exactly, whatever it contains. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
