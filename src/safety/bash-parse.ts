import {
  BashParseError,
  type Block,
  type Command,
  type Part,
  type Redirect,
  type Script,
  type Statement,
  type Unit,
  type Word,
} from "./bash-ast.js";

/**
 * A Bash parser for security decisions: quoting ('…', "…", $'…', backslashes), lists and pipelines,
 * compound commands, functions, $( ), backticks, <( ), here-documents and redirections. It does not run or
 * expand anything. Whatever it cannot read with confidence throws BashParseError: the guard denies then.
 */

const MAX_DEPTH = 40;
const MAX_LENGTH = 200_000;
const META = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_END = new Set(["then", "elif", "else", "fi", "do", "done", "esac", "}", "in"]);

export function parseBash(source: string): Script {
  if (source.length > MAX_LENGTH)
    throw new BashParseError(`the command is too long (${source.length} chars)`);
  if (source.includes("\0")) throw new BashParseError("the command contains a NUL byte");
  const parser = new Parser(source, 0);
  const script = parser.list([]);
  parser.skipSpace(true);
  if (!parser.atEnd()) throw new BashParseError(`unexpected '${parser.peekText()}'`);
  if (parser.pendingHeredocs.length > 0) throw new BashParseError("a here-document is not terminated");
  return script;
}

interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  strip: boolean;
}

type Token = { k: "word"; word: Word } | { k: "op"; v: string } | { k: "redir"; r: Redirect } | { k: "end" };

class Parser {
  i = 0;
  pendingHeredocs: PendingHeredoc[] = [];
  private peeked: { token: Token; start: number; end: number } | undefined;

  constructor(
    private readonly s: string,
    private readonly depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new BashParseError("the command nests too deeply");
  }

  atEnd(): boolean {
    return this.peekToken().k === "end";
  }

  peekText(): string {
    return this.s.slice(this.i, this.i + 20);
  }

  /** Skips blanks, comments and (if newlines) newlines, reading pending here-documents after each newline. */
  skipSpace(newlines: boolean): void {
    this.peeked = undefined;
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t") this.i++;
      else if (c === "\\" && this.s[this.i + 1] === "\n") this.i += 2;
      else if (c === "#") {
        while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      } else if (c === "\n" && newlines) {
        this.i++;
        this.readHeredocs();
      } else return;
    }
  }

  private readHeredocs(): void {
    for (const pending of this.pendingHeredocs.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (this.i >= this.s.length)
          throw new BashParseError(`here-document '${pending.delimiter}' is not terminated`);
        const nl = this.s.indexOf("\n", this.i);
        const end = nl === -1 ? this.s.length : nl;
        let line = this.s.slice(this.i, end);
        this.i = nl === -1 ? this.s.length : nl + 1;
        if (pending.strip) line = line.replace(/^\t+/, "");
        if (line === pending.delimiter) break;
        // `$(cat <<EOF … EOF)`: the delimiter line may be followed by the closing parenthesis.
        if (line.startsWith(pending.delimiter) && /^\s*\)/.test(line.slice(pending.delimiter.length))) {
          this.i -= line.length - pending.delimiter.length + (nl === -1 ? 0 : 1);
          break;
        }
        lines.push(line);
      }
      const heredoc = pending.redirect.heredoc!;
      heredoc.body = lines.join("\n");
      if (!heredoc.quoted && /\$\(|`/.test(heredoc.body)) {
        throw new BashParseError("a here-document with an unquoted delimiter runs command substitutions");
      }
    }
  }

  peekToken(): Token {
    if (this.peeked !== undefined && this.peeked.start === this.i) return this.peeked.token;
    const start = this.i;
    const token = this.readToken();
    const end = this.i;
    this.i = start;
    this.peeked = { token, start, end };
    return token;
  }

  nextToken(): Token {
    const token = this.peekToken();
    this.i = this.peeked!.end;
    this.peeked = undefined;
    return token;
  }

  /** A reserved word at command position is an unquoted, literal word. */
  private peekReserved(): string | undefined {
    const token = this.peekToken();
    if (token.k !== "word") return undefined;
    const [part, more] = token.word.parts;
    if (more !== undefined || part?.t !== "lit" || part.q) return undefined;
    return part.v;
  }

  /** A list of statements until one of `stops` (reserved words or `)`), `;;` or the end. */
  list(stops: readonly string[]): Script {
    const script: Script = [];
    for (;;) {
      this.skipSpace(true);
      const token = this.peekToken();
      if (token.k === "end") return script;
      if (
        token.k === "op" &&
        (token.v === ")" || token.v === ";;" || token.v === ";&" || token.v === ";;&")
      ) {
        if (stops.includes(")") || stops.includes(";;")) return script;
        throw new BashParseError(`unexpected '${token.v}'`);
      }
      const reserved = this.peekReserved();
      if (reserved !== undefined && stops.includes(reserved)) return script;
      if (reserved !== undefined && RESERVED_END.has(reserved) && reserved !== "in") {
        throw new BashParseError(`unexpected '${reserved}'`);
      }
      script.push(this.statement(stops));
      this.skipSpace(false);
      const sep = this.peekToken();
      if (sep.k === "op" && (sep.v === ";" || sep.v === "&" || sep.v === "&&" || sep.v === "||")) {
        this.nextToken();
        if (sep.v === "&") script[script.length - 1]!.background = true;
        if (sep.v === "&&" || sep.v === "||") {
          this.skipSpace(true);
          const after = this.peekToken();
          if (after.k === "end" || after.k === "op") throw new BashParseError(`nothing after '${sep.v}'`);
        }
      } else if (this.s[this.i] === "\n") {
        // the newline is skipped by the next loop turn (reading here-documents)
      } else if (sep.k !== "end" && !(sep.k === "op" && [")", ";;", ";&", ";;&"].includes(sep.v))) {
        const reservedNext = this.peekReserved();
        if (reservedNext === undefined || !stops.includes(reservedNext)) {
          throw new BashParseError(`unexpected '${this.peekText()}'`);
        }
      }
    }
  }

  private statement(stops: readonly string[]): Statement {
    let negated = false;
    if (this.peekReserved() === "!") {
      this.nextToken();
      negated = true;
      this.skipSpace(false);
    }
    if (this.peekReserved() === "time") {
      this.nextToken();
      this.skipSpace(false);
      while (this.peekReserved() === "-p") {
        this.nextToken();
        this.skipSpace(false);
      }
    }
    const pipeline: Unit[] = [this.unit(stops)];
    for (;;) {
      this.skipSpace(false);
      const token = this.peekToken();
      if (token.k === "op" && (token.v === "|" || token.v === "|&")) {
        this.nextToken();
        this.skipSpace(true);
        if (this.atEnd()) throw new BashParseError("nothing after '|'");
        pipeline.push(this.unit(stops));
      } else break;
    }
    return { pipeline, background: false, negated };
  }

  private unit(stops: readonly string[]): Unit {
    this.skipSpace(false);
    const token = this.peekToken();
    if (token.k === "op" && token.v === "(") {
      this.nextToken();
      if (this.s[this.i] === "(") throw new BashParseError("arithmetic '((' commands are not analysed");
      const body = this.list([")"]);
      this.expectOp(")");
      return { kind: "block", keyword: "subshell", body, redirects: this.trailingRedirects() };
    }
    if (token.k === "op") throw new BashParseError(`unexpected '${token.v}'`);
    const reserved = this.peekReserved();
    switch (reserved) {
      case "{": {
        this.nextToken();
        const body = this.list(["}"]);
        this.expectReserved("}");
        return { kind: "block", keyword: "group", body, redirects: this.trailingRedirects() };
      }
      case "if":
        return this.ifClause();
      case "while":
      case "until":
        return this.whileClause(reserved);
      case "for":
      case "select":
        return this.forClause(reserved);
      case "case":
        return this.caseClause();
      case "function":
        return this.functionDef(true);
      case "[[":
        return this.testCommand();
      default:
        break;
    }
    if (reserved !== undefined && stops.includes(reserved))
      throw new BashParseError(`unexpected '${reserved}'`);
    // name() { …; }
    if (token.k === "word" && reserved !== undefined) {
      const save = this.i;
      this.nextToken();
      this.skipSpace(false);
      if (this.s[this.i] === "(") {
        const close = /^\(\s*\)/.exec(this.s.slice(this.i));
        if (close) {
          this.i = save;
          return this.functionDef(false);
        }
      }
      this.i = save;
      this.peeked = undefined;
    }
    return this.simpleCommand();
  }

  private expectOp(op: string): void {
    this.skipSpace(true);
    const token = this.nextToken();
    if (token.k !== "op" || token.v !== op) throw new BashParseError(`expected '${op}'`);
  }

  private expectReserved(word: string): void {
    this.skipSpace(true);
    if (this.peekReserved() !== word) throw new BashParseError(`expected '${word}'`);
    this.nextToken();
  }

  private trailingRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipSpace(false);
      const token = this.peekToken();
      if (token.k !== "redir") return redirects;
      this.nextToken();
      redirects.push(this.finishRedirect(token.r));
    }
  }

  private block(keyword: Block["keyword"], body: Script, extra: Partial<Block> = {}): Block {
    return { kind: "block", keyword, body, redirects: this.trailingRedirects(), ...extra };
  }

  private ifClause(): Block {
    this.nextToken();
    const body: Script = [...this.list(["then"])];
    this.expectReserved("then");
    for (;;) {
      body.push(...this.list(["elif", "else", "fi"]));
      const word = this.peekReserved();
      if (word === "fi") break;
      this.nextToken();
      if (word === "elif") {
        body.push(...this.list(["then"]));
        this.expectReserved("then");
      } else if (word === "else") {
        body.push(...this.list(["fi"]));
        break;
      } else throw new BashParseError("'if' without 'fi'");
    }
    this.expectReserved("fi");
    return this.block("if", body);
  }

  private whileClause(keyword: "while" | "until"): Block {
    this.nextToken();
    const condition = this.list(["do"]);
    this.expectReserved("do");
    const loop = this.list(["done"]);
    this.expectReserved("done");
    const only = condition.length === 1 ? condition[0]!.pipeline : [];
    const first = only.length === 1 && only[0]!.kind === "cmd" ? only[0] : undefined;
    const name = first?.words.length === 1 ? literalOf(first.words[0]!) : undefined;
    const endless = keyword === "while" ? name === "true" || name === ":" : name === "false";
    return this.block(keyword, [...condition, ...loop], { endless });
  }

  private forClause(keyword: "for" | "select"): Block {
    this.nextToken();
    this.skipSpace(false);
    if (this.s.startsWith("((", this.i)) {
      const end = this.s.indexOf("))", this.i);
      if (end === -1) throw new BashParseError("'for ((' without '))'");
      const inner = this.s.slice(this.i + 2, end);
      if (/\$\(|`/.test(inner)) throw new BashParseError("command substitution inside arithmetic");
      this.i = end + 2;
      this.peeked = undefined;
      this.skipSpace(false);
      if (this.s[this.i] === ";") this.i++;
      this.skipSpace(true);
      const body = this.doGroup();
      return this.block("arith-for", body);
    }
    const nameToken = this.nextToken();
    const name = nameToken.k === "word" ? literalOf(nameToken.word) : undefined;
    if (name === undefined || !NAME.test(name)) throw new BashParseError(`bad '${keyword}' variable`);
    this.skipSpace(true);
    let items: Word[] | null = null;
    if (this.peekReserved() === "in") {
      this.nextToken();
      items = [];
      for (;;) {
        this.skipSpace(false);
        const token = this.peekToken();
        if (token.k !== "word") break;
        this.nextToken();
        items.push(token.word);
      }
    }
    this.skipSpace(false);
    const sep = this.peekToken();
    if (sep.k === "op" && sep.v === ";") this.nextToken();
    this.skipSpace(true);
    const body = this.doGroup();
    return this.block(keyword, body, { loopVar: { name, items } });
  }

  private doGroup(): Script {
    const open = this.peekReserved();
    if (open === "{") {
      this.nextToken();
      const body = this.list(["}"]);
      this.expectReserved("}");
      return body;
    }
    this.expectReserved("do");
    const body = this.list(["done"]);
    this.expectReserved("done");
    return body;
  }

  private caseClause(): Block {
    this.nextToken();
    this.skipSpace(false);
    const subject = this.nextToken();
    if (subject.k !== "word") throw new BashParseError("'case' without a word");
    this.skipSpace(true);
    this.expectReserved("in");
    const body: Script = [{ pipeline: [wordsCommand([subject.word])], background: false, negated: false }];
    for (;;) {
      this.skipSpace(true);
      if (this.peekReserved() === "esac") break;
      const open = this.peekToken();
      if (open.k === "op" && open.v === "(") this.nextToken();
      const patterns: Word[] = [];
      for (;;) {
        this.skipSpace(false);
        const token = this.nextToken();
        if (token.k !== "word") throw new BashParseError("bad 'case' pattern");
        patterns.push(token.word);
        this.skipSpace(false);
        const next = this.nextToken();
        if (next.k === "op" && next.v === ")") break;
        if (!(next.k === "op" && next.v === "|")) throw new BashParseError("bad 'case' pattern");
      }
      body.push({ pipeline: [wordsCommand(patterns)], background: false, negated: false });
      body.push(...this.list(["esac", ";;"]));
      this.skipSpace(true);
      const end = this.peekToken();
      if (end.k === "op" && (end.v === ";;" || end.v === ";&" || end.v === ";;&")) this.nextToken();
      else if (this.peekReserved() !== "esac") throw new BashParseError("'case' without 'esac'");
    }
    this.expectReserved("esac");
    return this.block("case", body);
  }

  private functionDef(keyword: boolean): Unit {
    if (keyword) this.nextToken();
    this.skipSpace(false);
    const nameToken = this.nextToken();
    const name = nameToken.k === "word" ? literalOf(nameToken.word) : undefined;
    if (name === undefined || name === "") throw new BashParseError("bad function name");
    this.skipSpace(false);
    const paren = /^\(\s*\)/.exec(this.s.slice(this.i));
    if (paren) {
      this.i += paren[0].length;
      this.peeked = undefined;
    } else if (!keyword) throw new BashParseError("bad function definition");
    this.skipSpace(true);
    const body = this.unit([]);
    if (body.kind !== "block") throw new BashParseError("a function body must be a compound command");
    return { kind: "func", name, body };
  }

  /** `[[ … ]]`: words up to `]]`, where `<`, `>`, `&&`, `||`, `(`, `)` are operands, not syntax. */
  private testCommand(): Command {
    const words: Word[] = [];
    this.nextToken();
    words.push(litWord("[["));
    for (;;) {
      this.skipSpace(true);
      const rest = this.s.slice(this.i, this.i + 2);
      if (this.i >= this.s.length) throw new BashParseError("'[[' without ']]'");
      if (/^(&&|\|\|)/.test(rest)) {
        this.i += 2;
        continue;
      }
      const c = this.s[this.i]!;
      if (c === "<" || c === ">" || c === "(" || c === ")" || c === "!") {
        this.i++;
        continue;
      }
      const word = this.readWord();
      words.push(word);
      if (literalOf(word) === "]]") break;
    }
    this.peeked = undefined;
    return { kind: "cmd", assigns: [], words, redirects: this.trailingRedirects() };
  }

  private simpleCommand(): Command {
    const cmd: Command = { kind: "cmd", assigns: [], words: [], redirects: [] };
    for (;;) {
      this.skipSpace(false);
      const token = this.peekToken();
      if (token.k === "redir") {
        this.nextToken();
        cmd.redirects.push(this.finishRedirect(token.r));
        continue;
      }
      if (token.k !== "word") break;
      if (cmd.words.length === 0) {
        const assign = assignmentOf(token.word);
        if (assign !== undefined) {
          this.nextToken();
          // `a=(1 2 3)`: an array assignment
          if (assign.value === null && this.s[this.i] === "(") {
            this.i++;
            this.peeked = undefined;
            const items: Word[] = [];
            for (;;) {
              this.skipSpace(true);
              if (this.s[this.i] === ")") break;
              const item = this.nextToken();
              if (item.k !== "word") throw new BashParseError("bad array assignment");
              items.push(item.word);
            }
            this.i++;
            this.peeked = undefined;
            cmd.assigns.push({ name: assign.name, value: arrayWord(items), append: assign.append });
          } else cmd.assigns.push(assign);
          continue;
        }
      }
      this.nextToken();
      cmd.words.push(token.word);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) {
      throw new BashParseError(`unexpected '${this.peekText()}'`);
    }
    return cmd;
  }

  private finishRedirect(r: Redirect): Redirect {
    if (r.op === "<<" || r.op === "<<-") {
      this.skipSpace(false);
      const token = this.nextToken();
      if (token.k !== "word") throw new BashParseError("here-document without a delimiter");
      const quoted = token.word.parts.some((p) => p.t === "lit" && p.q);
      const delimiter = token.word.parts.map((p) => (p.t === "lit" ? p.v : "\0")).join("");
      if (delimiter.includes("\0")) throw new BashParseError("here-document delimiter with an expansion");
      const redirect: Redirect = { ...r, target: null, heredoc: { body: "", quoted } };
      this.pendingHeredocs.push({ redirect, delimiter, strip: r.op === "<<-" });
      return redirect;
    }
    this.skipSpace(false);
    const token = this.nextToken();
    if (token.k !== "word") throw new BashParseError(`redirection '${r.op}' without a target`);
    return { ...r, target: token.word };
  }

  private readToken(): Token {
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) return { k: "end" };
    const two = s.slice(this.i, this.i + 3);
    // process substitution is a word
    if ((c === "<" || c === ">") && s[this.i + 1] === "(") return { k: "word", word: this.readWord() };
    if (c === "&" && s[this.i + 1] === ">") {
      const append = s[this.i + 2] === ">";
      this.i += append ? 3 : 2;
      return { k: "redir", r: { op: append ? "&>>" : "&>", fd: null, target: null } };
    }
    if (c === "<" || c === ">") return { k: "redir", r: this.readRedirOp(null) };
    if (c === ";") {
      if (two.startsWith(";;&")) return this.op(";;&");
      if (two.startsWith(";;")) return this.op(";;");
      if (two.startsWith(";&")) return this.op(";&");
      return this.op(";");
    }
    if (c === "&") return this.op(two.startsWith("&&") ? "&&" : "&");
    if (c === "|") {
      if (two.startsWith("||")) return this.op("||");
      if (two.startsWith("|&")) return this.op("|&");
      return this.op("|");
    }
    if (c === "(" || c === ")") return this.op(c);
    if (c === "\n") return this.op("\n");
    // an io-number: digits directly followed by < or >
    const fd = /^([0-9]+)(?=[<>])/.exec(s.slice(this.i, this.i + 12));
    if (fd) {
      this.i += fd[1]!.length;
      return { k: "redir", r: this.readRedirOp(Number(fd[1])) };
    }
    if (c === "{") {
      const named = /^\{[A-Za-z_][A-Za-z0-9_]*\}(?=[<>])/.exec(s.slice(this.i, this.i + 80));
      if (named) throw new BashParseError("named file-descriptor redirections are not analysed");
    }
    return { k: "word", word: this.readWord() };
  }

  private op(v: string): Token {
    this.i += v.length;
    return { k: "op", v };
  }

  private readRedirOp(fd: number | null): Redirect {
    const s = this.s.slice(this.i, this.i + 3);
    for (const op of ["<<<", "<<-", "<<", ">>", ">|", "<>", ">&", "<&", ">", "<"]) {
      if (s.startsWith(op)) {
        this.i += op.length;
        return { op, fd, target: null };
      }
    }
    throw new BashParseError("bad redirection");
  }

  /** One word: literal runs, quotes and expansions up to an unquoted metacharacter. */
  readWord(): Word {
    const start = this.i;
    const parts: Part[] = [];
    const s = this.s;
    const lit = (v: string, q: boolean) => {
      const last = parts[parts.length - 1];
      if (last?.t === "lit" && last.q === q) last.v += v;
      else parts.push({ t: "lit", v, q });
    };
    while (this.i < s.length) {
      const c = s[this.i]!;
      if ((c === "<" || c === ">") && s[this.i + 1] === "(" && this.i === start) {
        this.i += 2;
        const script = this.nested(")");
        parts.push({ t: "proc", script, dir: c });
        continue;
      }
      if (META.has(c)) break;
      if (c === "\\") {
        const next = s[this.i + 1];
        if (next === undefined) throw new BashParseError("a backslash ends the command");
        this.i += 2;
        if (next !== "\n") lit(next, true);
        continue;
      }
      if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        if (end === -1) throw new BashParseError("unbalanced single quote");
        lit(s.slice(this.i + 1, end), true);
        this.i = end + 1;
        continue;
      }
      if (c === "$" && s[this.i + 1] === "'") {
        this.i += 2;
        lit(this.ansiC(), true);
        continue;
      }
      if (c === '"' || (c === "$" && s[this.i + 1] === '"')) {
        this.i += c === "$" ? 2 : 1;
        this.doubleQuoted(parts, lit);
        continue;
      }
      if (c === "$") {
        this.dollar(parts, false, lit);
        continue;
      }
      if (c === "`") {
        parts.push({ t: "sub", script: this.backtick(), q: false });
        continue;
      }
      lit(c, false);
      this.i++;
    }
    if (parts.length === 0) throw new BashParseError(`unexpected '${this.peekText()}'`);
    return { parts, raw: s.slice(start, this.i) };
  }

  private doubleQuoted(parts: Part[], lit: (v: string, q: boolean) => void): void {
    const s = this.s;
    let any = false;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) throw new BashParseError("unbalanced double quote");
      if (c === '"') {
        this.i++;
        if (!any) lit("", true);
        return;
      }
      any = true;
      if (c === "\\") {
        const next = s[this.i + 1];
        if (next === undefined) throw new BashParseError("unbalanced double quote");
        this.i += 2;
        if (next === "\n") continue;
        lit(next === "$" || next === "`" || next === '"' || next === "\\" ? next : `\\${next}`, true);
        continue;
      }
      if (c === "$") {
        this.dollar(parts, true, lit);
        continue;
      }
      if (c === "`") {
        parts.push({ t: "sub", script: this.backtick(), q: true });
        continue;
      }
      lit(c, true);
      this.i++;
    }
  }

  private dollar(parts: Part[], q: boolean, lit: (v: string, q: boolean) => void): void {
    const s = this.s;
    const next = s[this.i + 1];
    if (next === "(" && s[this.i + 2] === "(") {
      const end = matchArith(s, this.i + 3);
      if (/\$\(|`/.test(s.slice(this.i + 3, end)))
        throw new BashParseError("command substitution inside arithmetic");
      this.i = end + 2;
      parts.push({ t: "dyn", why: "arithmetic", q });
      return;
    }
    if (next === "(") {
      this.i += 2;
      parts.push({ t: "sub", script: this.nested(")"), q });
      return;
    }
    if (next === "{") {
      const end = matchBrace(s, this.i + 2);
      const inner = s.slice(this.i + 2, end);
      this.i = end + 1;
      if (NAME.test(inner)) parts.push({ t: "var", name: inner, q });
      else if (/^[0-9#?$!@*-]$/.test(inner)) parts.push({ t: "dyn", why: `$\{${inner}}`, q });
      else {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes shell syntax
        if (/\$\(|`/.test(inner)) throw new BashParseError("command substitution inside a ${…} expansion");
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes shell syntax
        if (inner.startsWith("!")) throw new BashParseError("indirect expansion ${!…} is not analysed");
        parts.push({ t: "dyn", why: `$\{${inner}}`, q });
      }
      return;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i + 1, this.i + 200));
    if (name) {
      this.i += 1 + name[0].length;
      parts.push({ t: "var", name: name[0], q });
      return;
    }
    if (next !== undefined && /[0-9#?$!@*-]/.test(next)) {
      this.i += 2;
      parts.push({ t: "dyn", why: `$${next}`, q });
      return;
    }
    lit("$", q);
    this.i++;
  }

  /** `$( … )`: parses the inner list on this same text, so quotes and nested parentheses are exact. */
  private nested(close: ")"): Script {
    const inner = new Parser(this.s, this.depth + 1);
    inner.i = this.i;
    const script = inner.list([close]);
    inner.skipSpace(true);
    if (this.s[inner.i] !== close) throw new BashParseError("unbalanced '$(' or '<('");
    if (inner.pendingHeredocs.length > 0) throw new BashParseError("a here-document is not terminated");
    this.i = inner.i + 1;
    this.peeked = undefined;
    return script;
  }

  private backtick(): Script {
    const s = this.s;
    let text = "";
    let j = this.i + 1;
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new BashParseError("unbalanced backquote");
      if (c === "`") break;
      if (c === "\\" && (s[j + 1] === "`" || s[j + 1] === "\\" || s[j + 1] === "$")) {
        text += s[j + 1];
        j += 2;
        continue;
      }
      text += c;
      j++;
    }
    this.i = j + 1;
    const inner = new Parser(text, this.depth + 1);
    const script = inner.list([]);
    inner.skipSpace(true);
    if (!inner.atEnd()) throw new BashParseError("bad command in backquotes");
    return script;
  }

  private ansiC(): string {
    const s = this.s;
    let out = "";
    for (;;) {
      const c = s[this.i];
      if (c === undefined) throw new BashParseError("unbalanced $'…' quote");
      this.i++;
      if (c === "'") return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = s[this.i++];
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        a: "\x07",
        b: "\b",
        e: "\x1b",
        E: "\x1b",
        f: "\f",
        v: "\v",
        "\\": "\\",
        "'": "'",
        '"': '"',
        "?": "?",
      };
      if (e === undefined) throw new BashParseError("unbalanced $'…' quote");
      if (simple[e] !== undefined) out += simple[e];
      else if (e === "x") out += this.codePoint(/^[0-9a-fA-F]{1,2}/, 16);
      else if (e === "u") out += this.codePoint(/^[0-9a-fA-F]{1,4}/, 16);
      else if (e === "U") out += this.codePoint(/^[0-9a-fA-F]{1,8}/, 16);
      else if (/[0-7]/.test(e)) {
        this.i--;
        out += this.codePoint(/^[0-7]{1,3}/, 8);
      } else if (e === "c") throw new BashParseError("$'\\c…' control escapes are not analysed");
      else out += `\\${e}`;
    }
  }

  private codePoint(pattern: RegExp, radix: number): string {
    const match = pattern.exec(this.s.slice(this.i, this.i + 8));
    if (!match) return "";
    this.i += match[0].length;
    const value = Number.parseInt(match[0], radix);
    if (value === 0) throw new BashParseError("a NUL byte in $'…'");
    if (value > 0x10ffff) throw new BashParseError("bad escape in $'…'");
    return String.fromCodePoint(value);
  }
}

/** The end of `${…}` starting at `from` (just after the brace), honouring quotes and nesting. */
function matchBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (c === "\\") j++;
    else if (c === "'") {
      j = s.indexOf("'", j + 1);
      if (j === -1) break;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j;
  }
  throw new BashParseError("unbalanced '${'");
}

function matchArith(s: string, from: number): number {
  let depth = 0;
  for (let j = from; j < s.length; j++) {
    if (s[j] === "(") depth++;
    else if (s[j] === ")") {
      if (depth === 0) {
        if (s[j + 1] === ")") return j;
        throw new BashParseError("unbalanced '$(('");
      }
      depth--;
    }
  }
  throw new BashParseError("unbalanced '$(('");
}

/** The word's text if it is entirely literal (quoted or not), else undefined. */
export function literalOf(word: Word): string | undefined {
  let out = "";
  for (const part of word.parts) {
    if (part.t !== "lit") return undefined;
    out += part.v;
  }
  return out;
}

function litWord(v: string): Word {
  return { parts: [{ t: "lit", v, q: false }], raw: v };
}

function wordsCommand(words: Word[]): Command {
  return { kind: "cmd", assigns: [], words: [litWord(":"), ...words], redirects: [] };
}

function arrayWord(items: Word[]): Word {
  const parts: Part[] = [];
  for (const [index, item] of items.entries()) {
    if (index > 0) parts.push({ t: "lit", v: " ", q: true });
    parts.push(...item.parts);
  }
  return { parts, raw: `(${items.map((w) => w.raw).join(" ")})` };
}

/** `NAME=value` / `NAME+=value` at the start of a word (the `=` unquoted). */
function assignmentOf(word: Word): Command["assigns"][number] | undefined {
  const first = word.parts[0];
  if (first?.t !== "lit" || first.q) return undefined;
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/.exec(first.v);
  if (!match) return undefined;
  const rest = first.v.slice(match[0].length);
  const parts: Part[] = [...(rest === "" ? [] : [{ ...first, v: rest }]), ...word.parts.slice(1)];
  const value = parts.length === 0 ? null : { parts, raw: word.raw.slice(match[0].length) };
  return { name: match[1]!, value, append: match[2] === "+" };
}
