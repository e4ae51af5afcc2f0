/**
 * The shape of a parsed Bash script, as much as a security decision needs: every simple command with its
 * words, assignments and redirections, nested scripts ($( ), backticks, <( ), subshells, groups, loops,
 * function bodies) kept in order. Values are not expanded here (bash-eval.ts does that).
 */

/** One piece of a word. `q`: it was quoted (no globbing, no tilde expansion). */
export type Part =
  | { t: "lit"; v: string; q: boolean }
  /** `$NAME` / `${NAME}`: a plain parameter whose value may be known. */
  | { t: "var"; name: string; q: boolean }
  /** A value no static analysis can know: `${X:-y}`, `$@`, `$((…))`, `$RANDOM`, … */
  | { t: "dyn"; why: string; q: boolean }
  /** `$( … )` or backticks: the inner script runs; its output is the value. */
  | { t: "sub"; script: Script; q: boolean }
  /** `<( … )` / `>( … )`: the inner script runs; the value is a /dev/fd path. */
  | { t: "proc"; script: Script; dir: "<" | ">" };

export interface Word {
  parts: Part[];
  /** The source text, for messages. */
  raw: string;
}

export interface Redirect {
  /** `>`, `>>`, `>|`, `<`, `<>`, `&>`, `&>>`, `>&`, `<&`, `<<`, `<<-`, `<<<`. */
  op: string;
  fd: number | null;
  target: Word | null;
  /** Here-documents: the body, and whether the delimiter was quoted (no expansion inside). */
  heredoc?: { body: string; quoted: boolean };
}

export interface Command {
  kind: "cmd";
  assigns: { name: string; value: Word | null; append: boolean }[];
  words: Word[];
  redirects: Redirect[];
}

/**
 * if/while/until/for/case/select bodies, `{ …; }`, `( … )` and `[[ … ]]`-free compound commands, flattened:
 * `body` holds every list inside in source order (conditions included).
 */
export interface Block {
  kind: "block";
  keyword: "group" | "subshell" | "if" | "while" | "until" | "for" | "select" | "case" | "arith-for";
  body: Script;
  redirects: Redirect[];
  /** for/select: the loop variable and its words (null: `for x; do`, i.e. the positional parameters). */
  loopVar?: { name: string; items: Word[] | null };
  /** while/until: the condition is a bare `true` / `:` (an endless loop). */
  endless?: boolean;
}

export interface FunctionDef {
  kind: "func";
  name: string;
  body: Unit;
}

export type Unit = Command | Block | FunctionDef;

export interface Statement {
  /** Commands joined by `|` / `|&`; one element when there is no pipe. */
  pipeline: Unit[];
  /** Ended by `&`: runs in the background. */
  background: boolean;
  /** Negated with `!`. */
  negated: boolean;
}

export type Script = Statement[];

/** The parser could not understand the text with confidence: the guard fails closed on it. */
export class BashParseError extends Error {
  override name = "BashParseError";
}
