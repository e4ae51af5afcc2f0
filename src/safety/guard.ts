import { analyzeScript } from "./bash-analyze.js";
import { BashParseError } from "./bash-ast.js";
import type { Scope } from "./bash-eval.js";
import { parseBash } from "./bash-parse.js";
import { type Ctx, checkRead, checkWrite, Denied, deny } from "./checks.js";
import { GLOB, type GuardPolicy, type PathIO } from "./paths.js";

/**
 * The guard's one question: may this tool call run? Pure apart from the injected realpath. Tools that do
 * not touch files or run commands (WebFetch, TodoWrite, MCP tools, …) are not the guard's business: "skip".
 */

export type GuardVerdict =
  | { decision: "allow" }
  | { decision: "deny"; reason: string }
  | { decision: "skip" };

export interface ToolCall {
  tool: string;
  input: Readonly<Record<string, unknown>>;
  /** The payload's cwd: where relative paths and the shell start. */
  cwd: string | undefined;
}

export interface GuardEnv {
  policy: GuardPolicy;
  io: PathIO;
  /** The hook's environment: the agent's, so $HOME and friends expand as the shell would. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Claude Code names; Gemini CLI's are mapped onto them. */
const GEMINI_TOOLS: Record<string, string> = {
  run_shell_command: "Bash",
  write_file: "Write",
  replace: "Edit",
  edit: "Edit",
  read_file: "Read",
  read_many_files: "ReadMany",
  glob: "Glob",
  search_file_content: "Grep",
  grep_search: "Grep",
  grep: "Grep",
  list_directory: "LS",
  ls: "LS",
};

export const GUARDED_TOOLS: ReadonlySet<string> = new Set([
  "Bash",
  "Write",
  "Edit",
  "MultiEdit",
  "NotebookEdit",
  "Read",
  "NotebookRead",
  "Glob",
  "Grep",
  "LS",
  "ReadMany",
  ...Object.keys(GEMINI_TOOLS),
]);

export function decideToolCall(call: ToolCall, guard: GuardEnv): GuardVerdict {
  const tool = GEMINI_TOOLS[call.tool] ?? call.tool;
  if (!GUARDED_TOOLS.has(tool)) return { decision: "skip" };
  const ctx: Ctx = { policy: guard.policy, io: guard.io, functions: new Set() };
  const cwd = call.cwd ?? guard.policy.worktree;
  const scope: Scope = { env: guard.env, vars: new Map(), cwd, home: guard.policy.home };
  try {
    decide(tool, call.input, scope, ctx);
    return { decision: "allow" };
  } catch (error) {
    if (error instanceof Denied) return { decision: "deny", reason: `ccm guard: ${error.message}` };
    if (error instanceof BashParseError) {
      return {
        decision: "deny",
        reason: `ccm guard: the command cannot be analysed with confidence (${error.message}), so it is blocked; write it more plainly (no eval, no generated code, balanced quotes)`,
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      decision: "deny",
      reason: `ccm guard: internal error while checking the call (${message}); blocked to be safe`,
    };
  }
}

function decide(tool: string, input: Readonly<Record<string, unknown>>, scope: Scope, ctx: Ctx): void {
  const text = (key: string): string | undefined =>
    typeof input[key] === "string" ? (input[key] as string) : undefined;
  const required = (...keys: string[]): string => {
    for (const key of keys) {
      const value = text(key);
      if (value !== undefined) return value;
    }
    return deny(`${tool}: the input has no ${keys.join(" / ")} string; the call cannot be checked`);
  };
  switch (tool) {
    case "Bash": {
      const command = required("command");
      const dir = text("dir_path") ?? text("directory");
      if (dir !== undefined) scope.cwd = resolveLiteral(dir, scope, ctx);
      analyzeScript(parseBash(command), scope, ctx);
      return;
    }
    case "Write":
    case "Edit":
    case "MultiEdit":
      for (const path of variants(required("file_path", "absolute_path", "path"), scope))
        checkWrite(path, scope, ctx, tool);
      return;
    case "NotebookEdit":
      for (const path of variants(required("notebook_path", "file_path"), scope))
        checkWrite(path, scope, ctx, tool);
      return;
    case "Read":
    case "NotebookRead":
      for (const path of variants(required("file_path", "notebook_path", "absolute_path", "path"), scope)) {
        checkRead(path, scope, ctx, tool);
      }
      return;
    case "ReadMany": {
      const paths = [input.paths, input.include].flatMap((v) => (Array.isArray(v) ? v : []));
      for (const path of paths) {
        if (typeof path !== "string") deny("read_many_files: a path is not a string");
        for (const v of variants(globbed(path), scope)) checkRead(v, scope, ctx, "read_many_files", true);
      }
      return;
    }
    case "Glob":
    case "Grep":
    case "LS": {
      const base = text("path") ?? text("dir_path") ?? ".";
      for (const dir of variants(base, scope)) checkRead(dir, scope, ctx, tool, tool === "Grep");
      const pattern = tool === "Glob" ? text("pattern") : text("glob");
      if (pattern !== undefined) {
        const joined =
          pattern.startsWith("/") || pattern.startsWith("~")
            ? pattern
            : `${base.replace(/\/+$/, "")}/${pattern}`;
        for (const v of variants(globbed(joined), scope)) checkRead(v, scope, ctx, tool, tool === "Grep");
      }
      return;
    }
    default:
      return;
  }
}

function globbed(pattern: string): string {
  return pattern.replace(/[*?[{]/g, GLOB);
}

/**
 * A file tool's path and the other ways it could be read: `~` and $VARS expanded, percent-decoded,
 * Unicode-normalised (NFKC folds look-alike slashes and dots). Each is checked; any refusal wins.
 */
function variants(path: string, scope: Scope): string[] {
  const out = new Set<string>([path]);
  const home = scope.env.HOME ?? scope.home;
  const add = (p: string) => {
    out.add(p);
    if (p === "~" || p.startsWith("~/")) out.add(home + p.slice(1));
    out.add(
      p.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) =>
        name === "HOME" ? home : (scope.env[name] ?? m),
      ),
    );
  };
  add(path);
  if (path.startsWith("file://")) add(path.slice(7));
  if (/%[0-9a-fA-F]{2}/.test(path)) {
    try {
      add(decodeURIComponent(path.replace(/^file:\/\//, "")));
    } catch {
      deny(`the path '${path}' has broken percent-encoding`);
    }
  }
  const normalized = path.normalize("NFKC");
  if (normalized !== path) add(normalized);
  return [...out];
}

function resolveLiteral(dir: string, scope: Scope, ctx: Ctx): string | undefined {
  checkRead(dir, scope, ctx, "run_shell_command", true);
  return dir.startsWith("/") ? dir : scope.cwd === undefined ? undefined : `${scope.cwd}/${dir}`;
}
