import type { Script, Word } from "./bash-ast.js";
import { literalOf } from "./bash-parse.js";
import { GLOB, UNKNOWN } from "./paths.js";

/**
 * Static expansion of words: literals, quotes, `~`, variables known from the hook's environment or set
 * earlier in the same script, `$(echo …)`/`$(pwd)`. Anything else becomes UNKNOWN; unquoted glob
 * characters become GLOB. Brace expansion ({a,b}) yields several values.
 */

export interface Scope {
  env: Readonly<Record<string, string | undefined>>;
  /** Variables set by the script itself; UNKNOWN when their value cannot be known. */
  vars: Map<string, string>;
  /** The shell's directory; undefined once a `cd` went somewhere unknown. */
  cwd: string | undefined;
  home: string;
}

export function cloneScope(scope: Scope): Scope {
  return { ...scope, vars: new Map(scope.vars) };
}

const BRACE_OPEN = "\uE000";
const BRACE_COMMA = "\uE001";
const BRACE_CLOSE = "\uE002";
const MAX_BRACE_VALUES = 64;

export function variable(scope: Scope, name: string): string {
  const own = scope.vars.get(name);
  if (own !== undefined) return own;
  if (name === "PWD") return scope.cwd ?? UNKNOWN;
  if (name === "HOME") return scope.env.HOME ?? scope.home;
  if (/^(RANDOM|SRANDOM|OLDPWD|REPLY|BASH_REMATCH|LINENO|SECONDS|EPOCHSECONDS|EPOCHREALTIME)$/.test(name)) {
    return UNKNOWN;
  }
  return scope.env[name] ?? UNKNOWN;
}

/** The possible values of a word (several with brace expansion). */
export function evaluate(word: Word, scope: Scope): string[] {
  let text = "";
  word.parts.forEach((part, index) => {
    switch (part.t) {
      case "lit": {
        let v = part.v;
        if (!part.q) {
          if (index === 0 && v.startsWith("~")) v = tilde(v, scope);
          // bash also expands ~ after the = of an assignment-like argument (dd of=~/x)
          else if (index === 0 && /^[A-Za-z_][A-Za-z0-9_]*=~/.test(v)) {
            const eq = v.indexOf("=") + 1;
            v = v.slice(0, eq) + tilde(v.slice(eq), scope);
          }
          v = v
            .replace(/[*?]|\[(?=[^\]]*\])/g, GLOB)
            .replace(/[{},]/g, (c) => (c === "{" ? BRACE_OPEN : c === "}" ? BRACE_CLOSE : BRACE_COMMA));
        }
        text += v;
        break;
      }
      case "var":
        text += variable(scope, part.name);
        break;
      case "dyn":
        text += UNKNOWN;
        break;
      case "sub":
        text += substitution(part.script, scope);
        break;
      case "proc":
        text += "/dev/fd/63";
        break;
      default:
        part satisfies never;
    }
  });
  return expandBraces(text).map((v) =>
    v.replaceAll(BRACE_OPEN, "{").replaceAll(BRACE_CLOSE, "}").replaceAll(BRACE_COMMA, ","),
  );
}

function tilde(v: string, scope: Scope): string {
  const match = /^~([^/]*)/.exec(v)!;
  const user = match[1]!;
  const rest = v.slice(match[0].length);
  if (user === "") return variable(scope, "HOME") + rest;
  if (user === "+") return (scope.cwd ?? UNKNOWN) + rest;
  if (user === "root") return `/root${rest}`;
  if (/^[a-z_][a-z0-9_-]*$/.test(user)) return `${UNKNOWN}${rest}`;
  return v;
}

/** `$(echo a b)`, `$(printf %s x)`, `$(pwd)`: the output, when it is static; else UNKNOWN. */
function substitution(script: Script, scope: Scope): string {
  if (script.length !== 1) return UNKNOWN;
  const [stmt] = script;
  if (stmt!.pipeline.length !== 1) return UNKNOWN;
  const cmd = stmt!.pipeline[0]!;
  if (cmd.kind !== "cmd" || cmd.redirects.length > 0 || cmd.assigns.length > 0) return UNKNOWN;
  const name = cmd.words[0] ? literalOf(cmd.words[0]) : undefined;
  const args = cmd.words.slice(1).flatMap((w) => evaluate(w, scope));
  if (name === "pwd") return scope.cwd ?? UNKNOWN;
  if (name === "echo" && !args.some((a) => a.startsWith("-"))) return args.join(" ");
  if (name === "printf" && args[0] === "%s") return args.slice(1).join("");
  if (name === "mktemp") {
    // a fresh name inside the temp folder (or -p DIR)
    const dir = args[args.indexOf("-p") + 1] ?? args.find((a) => a.startsWith("--tmpdir="))?.slice(9);
    const base = args.includes("-p") && dir !== undefined ? dir : (scope.env.TMPDIR ?? "/tmp");
    return args.some((a) => a.includes("/") && !a.startsWith("-") && a !== dir) ? UNKNOWN : `${base}/${GLOB}`;
  }
  return UNKNOWN;
}

function expandBraces(text: string): string[] {
  const open = text.indexOf(BRACE_OPEN);
  if (open === -1) return [text];
  // the matching close at depth 0, with at least one comma at depth 0
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (c === BRACE_OPEN) depth++;
    else if (c === BRACE_CLOSE) {
      if (depth === 0) {
        close = j;
        break;
      }
      depth--;
    } else if (c === BRACE_COMMA && depth === 0) commas.push(j);
  }
  if (close === -1 || commas.length === 0) {
    // not a brace expansion ({x} or a lone brace): keep the text, expand what follows
    const head = text.slice(0, open + 1);
    return expandBraces(text.slice(open + 1)).map((rest) => head + rest);
  }
  const prefix = text.slice(0, open);
  const suffix = text.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k < bounds.length - 1; k++) {
    for (const value of expandBraces(prefix + text.slice(bounds[k]! + 1, bounds[k + 1]) + suffix)) {
      out.push(value);
      if (out.length > MAX_BRACE_VALUES) return [...out, UNKNOWN];
    }
  }
  return out;
}
