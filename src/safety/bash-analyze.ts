import type { Command, Redirect, Script, Statement, Unit, Word } from "./bash-ast.js";
import { BashParseError } from "./bash-ast.js";
import { cloneScope, evaluate, type Scope } from "./bash-eval.js";
import { literalOf, parseBash } from "./bash-parse.js";
import { type Ctx, checkArgReads, checkInlineCode, checkRead, checkWrite, deny, shown } from "./checks.js";
import { checkFileCommand } from "./file-commands.js";
import { checkGit, checkGitEnv } from "./git-policy.js";
import { GLOB, resolvePath, UNKNOWN } from "./paths.js";

/**
 * Walks a parsed script in order, keeping track of `cd` and variables, and checks every command it would
 * run, including wrapped ones (env, sudo, timeout, xargs, find -exec, sh -c, eval). The first refusal
 * throws Denied with a reason for the model.
 */

/** Programs that read a script from stdin when given none. */
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh"]);
const INTERPRETERS: Record<string, string[]> = {
  python: ["-c"],
  python2: ["-c"],
  python3: ["-c"],
  node: ["-e", "--eval", "-p", "--print"],
  nodejs: ["-e", "--eval", "-p", "--print"],
  deno: ["eval"],
  bun: ["-e", "--eval"],
  perl: ["-e", "-E"],
  ruby: ["-e"],
  php: ["-r"],
  lua: ["-e"],
};
const DOWNLOADERS = new Set(["curl", "wget", "fetch", "aria2c"]);
const DISK_TOOLS = new Set([
  "mkfs",
  "mkswap",
  "wipefs",
  "fdisk",
  "sfdisk",
  "cfdisk",
  "parted",
  "gdisk",
  "sgdisk",
  "blkdiscard",
  "hdparm",
]);
const POWER = new Set(["shutdown", "reboot", "halt", "poweroff", "telinit", "kexec"]);
const REFUSED: Record<string, string> = {
  su: "switching users is blocked",
  chroot: "chroot is blocked",
  nsenter: "entering other namespaces is blocked",
  unshare: "unshare is blocked",
  mount: "mounting file systems is blocked",
  umount: "unmounting file systems is blocked",
  insmod: "loading kernel modules is blocked",
  rmmod: "unloading kernel modules is blocked",
  modprobe: "loading kernel modules is blocked",
  killall5: "killing every process is blocked",
  visudo: "changing sudoers is blocked",
  useradd: "changing users is blocked",
  userdel: "changing users is blocked",
  usermod: "changing users is blocked",
  passwd: "changing passwords is blocked",
  chpasswd: "changing passwords is blocked",
};

interface Flow {
  /** The statement runs only on some paths (after ||, inside if/loops/case): its cd and variables become unknown. */
  conditional: boolean;
  /** Whatever feeds this command's stdin, when it is a pipe. */
  producer: Unit | undefined;
}

export function analyzeScript(script: Script, scope: Scope, ctx: Ctx, conditional = false): void {
  for (const stmt of script) analyzeStatement(stmt, scope, ctx, conditional);
}

function analyzeStatement(stmt: Statement, scope: Scope, ctx: Ctx, conditional: boolean): void {
  const piped = stmt.pipeline.length > 1;
  stmt.pipeline.forEach((unit, index) => {
    const producer = index > 0 ? stmt.pipeline[index - 1] : undefined;
    // each part of a pipeline runs in a subshell: its cd and variables do not stay
    const own = piped ? cloneScope(scope) : scope;
    analyzeUnit(unit, own, ctx, { conditional: conditional || piped, producer });
  });
}

function analyzeUnit(unit: Unit, scope: Scope, ctx: Ctx, flow: Flow): void {
  switch (unit.kind) {
    case "cmd":
      analyzeCommand(unit, scope, ctx, flow);
      return;
    case "func": {
      if (callsItself(unit.body, unit.name)) {
        deny(
          `the function '${unit.name}' calls itself through a pipe or in the background: a fork bomb is blocked`,
        );
      }
      ctx.functions.add(unit.name);
      analyzeUnit(unit.body, cloneScope(scope), ctx, { conditional: true, producer: undefined });
      return;
    }
    case "block": {
      for (const r of unit.redirects) checkRedirect(r, scope, ctx);
      if (unit.endless && unit.body.some((s) => s.background)) {
        deny("an endless loop that starts background jobs (a fork bomb) is blocked");
      }
      if (unit.loopVar) {
        for (const item of unit.loopVar.items ?? []) {
          analyzeWordSubs(item, scope, ctx);
          checkArgReads(evaluate(item, scope), scope, ctx, `${unit.keyword} loop`);
        }
        scope.vars.set(unit.loopVar.name, UNKNOWN);
      }
      const inner = unit.keyword === "subshell" ? cloneScope(scope) : scope;
      const branchy = unit.keyword !== "group" && unit.keyword !== "subshell";
      if (branchy || flow.conditional) {
        const before = inner.cwd;
        analyzeScript(unit.body, inner, ctx, true);
        if (inner.cwd !== before) inner.cwd = undefined;
      } else analyzeScript(unit.body, inner, ctx, false);
      return;
    }
    default:
      unit satisfies never;
  }
}

function callsItself(body: Unit, name: string): boolean {
  let found = false;
  const visit = (script: Script) => {
    for (const stmt of script) {
      const calls = stmt.pipeline.some(
        (u) => u.kind === "cmd" && u.words[0] && literalOf(u.words[0]) === name,
      );
      if (calls && (stmt.pipeline.length > 1 || stmt.background)) found = true;
      for (const u of stmt.pipeline) if (u.kind === "block") visit(u.body);
    }
  };
  if (body.kind === "block") visit(body.body);
  return found;
}

/** Nested scripts inside a word ($( ), backticks, <( )) run too: check them. */
function analyzeWordSubs(word: Word, scope: Scope, ctx: Ctx): void {
  for (const part of word.parts) {
    if (part.t === "sub" || part.t === "proc") analyzeScript(part.script, cloneScope(scope), ctx, true);
  }
}

const WRITE_REDIRECTS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);

function checkRedirect(r: Redirect, scope: Scope, ctx: Ctx): void {
  if (r.target === null) return;
  analyzeWordSubs(r.target, scope, ctx);
  const values = evaluate(r.target, scope);
  for (const value of values) {
    if ((r.op === ">&" || r.op === "<&") && /^([0-9]+-?|-)$/.test(value)) continue;
    if (r.op === "<<<") continue;
    if (WRITE_REDIRECTS.has(r.op) || r.op === ">&")
      checkWrite(value, scope, ctx, `redirection '${r.op} ${r.target.raw}'`);
    if (r.op === "<" || r.op === "<>" || r.op === "<&")
      checkRead(value, scope, ctx, `redirection '${r.op} ${r.target.raw}'`);
  }
}

function analyzeCommand(cmd: Command, scope: Scope, ctx: Ctx, flow: Flow): void {
  for (const a of cmd.assigns) if (a.value) analyzeWordSubs(a.value, scope, ctx);
  for (const w of cmd.words) analyzeWordSubs(w, scope, ctx);
  for (const r of cmd.redirects) checkRedirect(r, scope, ctx);
  const prefixEnv: Record<string, string> = {};
  for (const a of cmd.assigns) {
    const value = a.value ? evaluate(a.value, scope).join(" ") : "";
    if (cmd.words.length === 0) {
      scope.vars.set(a.name, flow.conditional || a.append ? UNKNOWN : value);
    } else prefixEnv[a.name] = value;
    checkArgReads([value], scope, ctx, `${a.name}=`);
  }
  checkGitEnv(Object.keys(prefixEnv));
  const argv = cmd.words.flatMap((w) => evaluate(w, scope));
  if (argv.length === 0) return;
  const stdinFed =
    flow.producer !== undefined ||
    cmd.redirects.some((r) => r.op === "<<" || r.op === "<<-" || r.op === "<<<" || r.op === "<");
  runArgv(argv, scope, ctx, { ...flow, stdinFed });
}

interface RunFlow extends Flow {
  stdinFed: boolean;
  /** The command was started by xargs/find -exec: extra arguments come from elsewhere. */
  viaXargs?: boolean;
}

/** Checks one command line (already expanded), following wrappers to the command they run. */
export function runArgv(argv: string[], scope: Scope, ctx: Ctx, flow: RunFlow): void {
  const head = argv[0]!;
  if (head.includes(UNKNOWN)) {
    deny(
      `the command name '${shown(head)}' comes from a variable or a substitution the guard cannot know; write the command name literally`,
    );
  }
  if (head.includes(GLOB))
    deny(`the command name '${shown(head)}' is a glob pattern; write the command name literally`);
  const name = head.slice(head.lastIndexOf("/") + 1);
  const args = argv.slice(1);
  if (ctx.functions.has(head)) return;
  checkArgReads(args, scope, ctx, name);

  if (name === "cd" || name === "pushd") {
    const target =
      args.find((a) => !a.startsWith("-")) ??
      (args.length === 0 && name === "cd" ? (scope.env.HOME ?? scope.home) : undefined);
    if (target === undefined || target.includes(UNKNOWN) || target.includes(GLOB)) scope.cwd = undefined;
    else {
      checkRead(target, scope, ctx, name);
      scope.cwd = flow.conditional ? undefined : resolvePath(target, scope.cwd, ctx.io);
    }
    return;
  }
  if (name === "popd") {
    scope.cwd = undefined;
    return;
  }
  if (
    name === "export" ||
    name === "declare" ||
    name === "typeset" ||
    name === "local" ||
    name === "readonly"
  ) {
    for (const arg of args) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg);
      if (m) {
        checkGitEnv([m[1]!]);
        scope.vars.set(m[1]!, flow.conditional ? UNKNOWN : m[2]!);
      }
    }
    return;
  }
  if (name === "read" || name === "mapfile" || name === "readarray" || name === "getopts") {
    for (const arg of args) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) scope.vars.set(arg, UNKNOWN);
    scope.vars.set("REPLY", UNKNOWN);
    return;
  }
  if (name === "unset") {
    for (const arg of args) scope.vars.delete(arg);
    return;
  }
  if (name === "printf" && args[0] === "-v") {
    if (args[1]) scope.vars.set(args[1], UNKNOWN);
    return;
  }

  if (SHELLS.has(name) || (name === "busybox" && args[0] !== undefined && SHELLS.has(args[0]))) {
    runShell(name === "busybox" ? args.slice(1) : args, scope, ctx, flow, name);
    return;
  }
  if (name === "busybox" && args.length > 0) {
    runArgv(args, scope, ctx, flow);
    return;
  }
  if (name === "eval") {
    const text = args.join(" ");
    if (text.includes(UNKNOWN))
      deny("eval of a value the guard cannot know is blocked; run the command directly");
    analyzeText(text.replaceAll(GLOB, "*"), scope, ctx, "eval");
    return;
  }
  if (name === "source" || name === ".") {
    if (args[0]?.startsWith("/dev/fd/") || (args[0] ?? "").includes(UNKNOWN)) {
      deny(
        `${name} of a generated script (process substitution or a variable) is blocked; save the script in the worktree and read it first`,
      );
    }
    return;
  }
  if (name === "perl") checkFileCommand(name, args, scope, ctx);
  const inline = INTERPRETERS[name.replace(/[0-9.]+$/, "")] ?? INTERPRETERS[name];
  if (inline !== undefined) {
    runInterpreter(name, args, inline, ctx, flow);
    return;
  }

  if (DISK_TOOLS.has(name) || name.startsWith("mkfs."))
    deny(`${name} (formatting or partitioning disks) is blocked`);
  if (POWER.has(name)) deny(`${name} is blocked: agents may not stop or restart the machine`);
  if (name === "init" && /^[0-6sS]$/.test(args[0] ?? "")) deny("init runlevel changes are blocked");
  if (
    name === "systemctl" &&
    args.some((a) => /^(poweroff|reboot|halt|kexec|rescue|emergency|suspend|hibernate)$/.test(a))
  ) {
    deny(`systemctl ${args.join(" ")} is blocked: agents may not stop or restart the machine`);
  }
  if (REFUSED[name] !== undefined) deny(`${name}: ${REFUSED[name]}`);
  if (name === "kill" || name === "pkill" || name === "killall") {
    checkKill(name, args);
    return;
  }
  if (name === "crontab" && !args.includes("-l"))
    deny("crontab changes are blocked: agents may not schedule jobs");
  if ((name === "gpg" || name === "gpg2") && args.some((a) => /^--export-secret/.test(a))) {
    deny(`${name}: exporting secret keys is blocked (reading credentials)`);
  }
  if (
    (name === "npm" || name === "pnpm" || name === "yarn") &&
    args.some((a) => a === "-g" || a === "--global" || a === "global")
  ) {
    deny(
      `${name}: global installs write outside the worktree; install into the project instead (npm install --save-dev, npx)`,
    );
  }

  const wrapped = unwrap(name, args);
  if (wrapped !== undefined) {
    for (const key of wrapped.env) checkGitEnv([key]);
    if (wrapped.chdir !== undefined) {
      checkRead(wrapped.chdir, scope, ctx, name, true);
      scope = { ...scope, cwd: resolvePath(wrapped.chdir, scope.cwd, ctx.io) };
    }
    if (wrapped.shellText !== undefined) {
      analyzeText(wrapped.shellText, scope, ctx, name);
      return;
    }
    if (wrapped.argv.length === 0) return;
    runArgv(wrapped.argv, scope, ctx, { ...flow, viaXargs: flow.viaXargs || wrapped.xargs });
    return;
  }
  if (name === "find") {
    runFind(args, scope, ctx, flow);
    return;
  }
  if (name === "git" || name.startsWith("git-")) {
    const gitArgs = name === "git" ? args : [name.slice(4), ...args];
    checkGit(gitArgs, scope, ctx);
    return;
  }
  checkFileCommand(name, args, scope, ctx);
}

/** `text` parsed and checked as a script (eval, sh -c, watch). */
export function analyzeText(text: string, scope: Scope, ctx: Ctx, via: string): void {
  let script: Script;
  try {
    script = parseBash(text);
  } catch (error) {
    if (error instanceof BashParseError)
      deny(`${via}: the inner script cannot be analysed (${error.message}); run the commands directly`);
    throw error;
  }
  analyzeScript(script, cloneScope(scope), ctx, true);
}

function runShell(args: string[], scope: Scope, ctx: Ctx, flow: RunFlow, shell: string): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-c" || (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a) && !a.startsWith("--"))) {
      const text = args[i + 1];
      if (text === undefined) deny(`${shell} -c without a script`);
      if (text.includes(UNKNOWN))
        deny(
          `${shell} -c with a script the guard cannot know (a variable or a substitution) is blocked; run the commands directly`,
        );
      analyzeText(text.replaceAll(GLOB, "*"), scope, ctx, `${shell} -c`);
      return;
    }
    if (a === "-s" || a === "-i") break;
    if (a === "--" || (!a.startsWith("-") && !a.startsWith("+"))) {
      if (a === "--") i++;
      const file = args[i];
      if (file === undefined) break;
      if (file.startsWith("/dev/fd/") || file.includes(UNKNOWN)) {
        deny(
          `${shell} running a generated script (process substitution or a variable) is blocked; save the script in the worktree, read it, then run it`,
        );
      }
      return;
    }
    if (a === "-o" || a === "+o") i++;
  }
  if (flow.producer !== undefined) {
    const producer =
      flow.producer.kind === "cmd" && flow.producer.words[0] ? literalOf(flow.producer.words[0]) : undefined;
    const from =
      producer !== undefined && DOWNLOADERS.has(producer.slice(producer.lastIndexOf("/") + 1))
        ? "a download"
        : "another command";
    deny(
      `piping ${from} into ${shell} runs code the guard cannot check (curl … | sh and the like are blocked); save the script in the worktree, read it, then run it`,
    );
  }
  deny(
    `${shell} reading commands from standard input (a here-document, a here-string or a pipe) is blocked; pass the commands with -c or run them directly`,
  );
}

function runInterpreter(name: string, args: string[], codeFlags: string[], ctx: Ctx, flow: RunFlow): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const joined = codeFlags.find(
      (f) => f.startsWith("-") && f.length === 2 && a.startsWith(f) && a.length > 2 && !a.startsWith("--"),
    );
    if (codeFlags.includes(a) || joined !== undefined) {
      const code = joined !== undefined ? a.slice(2) : (args[i + 1] ?? "");
      checkInlineCode(code, ctx, name);
      return;
    }
    if (a === "-m" || a === "-" || (!a.startsWith("-") && name !== "deno")) {
      if (a === "-" && flow.producer !== undefined) {
        deny(`piping code into ${name} is blocked; save the script in the worktree, read it, then run it`);
      }
      return;
    }
  }
  if (flow.producer !== undefined && !flow.viaXargs) {
    deny(
      `piping code into ${name} runs code the guard cannot check (curl … | ${name} and the like are blocked); save the script in the worktree, read it, then run it`,
    );
  }
}

function checkKill(name: string, args: string[]): void {
  if (name !== "kill") return;
  const targets = args.filter(
    (a, i) =>
      !/^-[A-Za-z0-9]+$/.test(a) ||
      (/^-[0-9]+$/.test(a) && i > 0 && args.slice(0, i).some((b) => /^-/.test(b))),
  );
  if (args.includes("--") || targets.some((t) => t === "-1" || t === "1" || t === "0")) {
    const all = args.slice(args.indexOf("--") + 1);
    if (targets.some((t) => t === "-1" || t === "1") || all.includes("-1") || all.includes("1")) {
      deny("kill of every process (-1) or of init is blocked; kill the specific process id you started");
    }
  }
}

interface Unwrapped {
  argv: string[];
  env: string[];
  chdir?: string;
  shellText?: string;
  xargs: boolean;
}

/** Options that take a value, per wrapper. */
const WRAPPERS: Record<string, { withValue: RegExp; fixed?: number }> = {
  sudo: {
    withValue:
      /^-[ugpCDhrtUT]$|^--(user|group|prompt|chdir|close-from|host|role|type|other-user|command-timeout)$/,
  },
  doas: { withValue: /^-[uC]$/ },
  nice: { withValue: /^-n$|^--adjustment$/ },
  nohup: { withValue: /^$/ },
  timeout: { withValue: /^-[sk]$|^--(signal|kill-after)$/, fixed: 1 },
  command: { withValue: /^$/ },
  exec: { withValue: /^-a$/ },
  builtin: { withValue: /^$/ },
  time: { withValue: /^-[fo]$|^--(format|output)$/ },
  stdbuf: { withValue: /^-[ioe]$/ },
  ionice: { withValue: /^-[cnpPu]$/ },
  chrt: { withValue: /^$/, fixed: 1 },
  taskset: { withValue: /^$/, fixed: 1 },
  setsid: { withValue: /^$/ },
  unbuffer: { withValue: /^$/ },
  catchsegv: { withValue: /^$/ },
  flock: { withValue: /^-[wEc]$|^--(timeout|conflict-exit-code|command)$/, fixed: 1 },
};

function unwrap(name: string, args: string[]): Unwrapped | undefined {
  if (name === "env") return unwrapEnv(args);
  if (name === "xargs") return unwrapXargs(args);
  if (name === "watch") {
    let i = 0;
    while (i < args.length && args[i]!.startsWith("-"))
      i += /^-[nd]$|^--(interval|differences)$/.test(args[i]!) ? 2 : 1;
    return { argv: [], env: [], shellText: args.slice(i).join(" "), xargs: false };
  }
  const spec = WRAPPERS[name];
  if (spec === undefined) return undefined;
  if (
    (name === "command" && args.some((a) => a === "-v" || a === "-V")) ||
    (name === "sudo" && args.some((a) => /^-(l|v|k|K|e)$|^-[a-zA-Z]*[is][a-zA-Z]*$/.test(a)))
  ) {
    if (name === "sudo" && args.some((a) => /^-[a-zA-Z]*[is][a-zA-Z]*$/.test(a) || a === "-e"))
      deny("sudo -i/-s/-e (a root shell or editor) is blocked");
    return { argv: [], env: [], xargs: false };
  }
  let i = 0;
  let chdir: string | undefined;
  let shellText: string | undefined;
  if (name === "flock") {
    const c = args.findIndex((a) => a === "-c" || a === "--command");
    if (c !== -1) return { argv: [], env: [], shellText: args[c + 1] ?? "", xargs: false };
  }
  while (i < args.length) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    if (name === "flock" && (a === "-c" || a === "--command")) shellText = args[i + 1];
    if (name === "sudo" && (a === "-D" || a === "--chdir")) chdir = args[i + 1];
    i += spec.withValue.test(a) ? 2 : 1;
  }
  if (name === "nice" && /^-[0-9]+$/.test(args[0] ?? "")) i = Math.max(i, 1);
  i += spec.fixed ?? 0;
  if (shellText !== undefined) return { argv: [], env: [], shellText, xargs: false };
  const env: string[] = [];
  const rest = args.slice(i);
  if (name === "sudo") {
    while (rest[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]))
      env.push(rest.shift()!.split("=")[0]!);
  }
  return { argv: rest, env, ...(chdir === undefined ? {} : { chdir }), xargs: false };
}

function unwrapEnv(args: string[]): Unwrapped {
  const env: string[] = [];
  let chdir: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-S" || a.startsWith("--split-string")) {
      const text = a.includes("=") ? a.slice(a.indexOf("=") + 1) : (args[i + 1] ?? "");
      return {
        argv: [],
        env,
        shellText: [text, ...args.slice(i + (a.includes("=") ? 1 : 2))].join(" "),
        xargs: false,
      };
    }
    if (a === "-u" || a === "--unset") {
      i++;
      continue;
    }
    if (a === "-C" || a === "--chdir") {
      chdir = args[++i];
      continue;
    }
    if (a.startsWith("--chdir=")) {
      chdir = a.slice(8);
      continue;
    }
    if (a.startsWith("-") && a !== "-") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(a);
    if (m) {
      env.push(m[1]!);
      continue;
    }
    break;
  }
  return { argv: args.slice(i), env, ...(chdir === undefined ? {} : { chdir }), xargs: false };
}

function unwrapXargs(args: string[]): Unwrapped {
  let i = 0;
  let replace: string | undefined;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) break;
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-I") replace = args[++i];
    else if (a.startsWith("-I")) replace = a.slice(2);
    else if (a.startsWith("--replace")) replace = a.includes("=") ? a.slice(a.indexOf("=") + 1) : "{}";
    else if (a === "-i") replace = "{}";
    else if (/^-[nPLsdEa]$/.test(a)) i++;
  }
  const argv = args.slice(i);
  if (argv.length === 0) argv.push("echo");
  // The extra arguments come from stdin: nobody can know them.
  const filled = replace === undefined ? [...argv, UNKNOWN] : argv.map((a) => a.replaceAll(replace, UNKNOWN));
  return { argv: filled, env: [], xargs: true };
}

function runFind(args: string[], scope: Scope, ctx: Ctx, flow: RunFlow): void {
  let i = 0;
  while (i < args.length && /^-[HLP]$|^-O[0-9]$|^-D$/.test(args[i]!)) i += args[i] === "-D" ? 2 : 1;
  const roots: string[] = [];
  while (i < args.length && !args[i]!.startsWith("-") && args[i] !== "(" && args[i] !== "!")
    roots.push(args[i++]!);
  if (roots.length === 0) roots.push(".");
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-delete")
      for (const root of roots) checkWrite(`${root}/${GLOB}`, scope, ctx, "find -delete", "delete");
    if (/^-(fprint|fprint0|fls|fprintf)$/.test(a)) checkWrite(args[i + 1] ?? "", scope, ctx, `find ${a}`);
    if (/^-(exec|execdir|ok|okdir)$/.test(a)) {
      const end = args.findIndex((x, k) => k > i && (x === ";" || x === "+"));
      const inner = args.slice(i + 1, end === -1 ? args.length : end);
      if (inner.length === 0) deny(`find ${a} without a command`);
      for (const root of roots) {
        const found = `${root}/${GLOB}`;
        runArgv(
          inner.map((x) => x.replaceAll("{}", found)),
          scope,
          ctx,
          { ...flow, producer: undefined, viaXargs: true, stdinFed: false },
        );
      }
      i = end === -1 ? args.length : end;
    }
  }
}
