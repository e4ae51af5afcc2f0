/**
 * Facts about Claude Code hook events (reference/claude-code-hooks.md, checked against the 33-name
 * HOOK_EVENTS list inside the 2.1.330 binary). Plain data: this module is on the hook's hot path.
 */

export const HOOK_EVENTS = [
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "PostToolBatch",
  "Notification",
  "UserPromptSubmit",
  "UserPromptExpansion",
  "SessionStart",
  "SessionEnd",
  "Stop",
  "StopFailure",
  "SubagentStart",
  "SubagentStop",
  "PreCompact",
  "PostCompact",
  "PreModelSwitch",
  "PostModelSwitch",
  "PermissionRequest",
  "PermissionDenied",
  "Setup",
  "TeammateIdle",
  "TaskCreated",
  "TaskCompleted",
  "Elicitation",
  "ElicitationResult",
  "ConfigChange",
  "WorktreeCreate",
  "WorktreeRemove",
  "InstructionsLoaded",
  "CwdChanged",
  "FileChanged",
  "DirectoryAdded",
  "MessageDisplay",
] as const;

export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * Events the reference lists as accepting `type: "command"` handlers (§2.1). PreModelSwitch and
 * PostModelSwitch are only in the SDK types, with no handler-type statement, so they are left out.
 */
export const COMMAND_HOOK_EVENTS: readonly HookEvent[] = [
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "PostToolBatch",
  "PermissionRequest",
  "PermissionDenied",
  "Stop",
  "SubagentStop",
  "TaskCreated",
  "TaskCompleted",
  "TeammateIdle",
  "UserPromptSubmit",
  "UserPromptExpansion",
  "ConfigChange",
  "CwdChanged",
  "DirectoryAdded",
  "Elicitation",
  "ElicitationResult",
  "FileChanged",
  "InstructionsLoaded",
  "MessageDisplay",
  "Notification",
  "PreCompact",
  "PostCompact",
  "SessionEnd",
  "StopFailure",
  "SubagentStart",
  "WorktreeCreate",
  "WorktreeRemove",
  "SessionStart",
  "Setup",
];

/** Events that accept `type: "http"` handlers; SessionStart and Setup take command hooks only. */
export const HTTP_HOOK_EVENTS: readonly HookEvent[] = /* @__PURE__ */ COMMAND_HOOK_EVENTS.filter(
  (event) => event !== "SessionStart" && event !== "Setup",
);

/**
 * Events a hook can stop or refuse (exit 2, or a JSON decision). A hook failure on one of them is what
 * CCM_FAIL_CLOSED turns into a block; on the others a block has no effect, so failing closed is moot.
 */
export const BLOCKING_EVENTS: ReadonlySet<string> = new Set<HookEvent>([
  "PreToolUse",
  "PermissionRequest",
  "PreModelSwitch",
  "UserPromptSubmit",
  "UserPromptExpansion",
  "Stop",
  "SubagentStop",
  "TeammateIdle",
  "TaskCreated",
  "TaskCompleted",
  "ConfigChange",
  "PostToolBatch",
  "PreCompact",
  "Elicitation",
  "ElicitationResult",
  "WorktreeCreate",
]);

/** Tool events: the payload carries tool_name and tool_input, and matchers test tool_name. */
export const TOOL_EVENTS: ReadonlySet<string> = new Set<HookEvent>([
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "PermissionRequest",
  "PermissionDenied",
]);

/** The payload field a matcher is tested against, per event (reference §3); absent = no matcher support. */
export const MATCHER_FIELD: Readonly<Partial<Record<HookEvent, string>>> = {
  PreToolUse: "tool_name",
  PostToolUse: "tool_name",
  PostToolUseFailure: "tool_name",
  PermissionRequest: "tool_name",
  PermissionDenied: "tool_name",
  SessionStart: "source",
  Setup: "trigger",
  SessionEnd: "reason",
  Notification: "notification_type",
  SubagentStart: "agent_type",
  SubagentStop: "agent_type",
  PreCompact: "trigger",
  PostCompact: "trigger",
  ConfigChange: "source",
  DirectoryAdded: "source",
  FileChanged: "file_path",
  StopFailure: "error",
  InstructionsLoaded: "load_reason",
  UserPromptExpansion: "command_name",
  Elicitation: "mcp_server_name",
  ElicitationResult: "mcp_server_name",
};
