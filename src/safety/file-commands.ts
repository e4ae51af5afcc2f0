import type { Scope } from "./bash-eval.js";
import { type Ctx, checkRead, checkWrite, deny, shown } from "./checks.js";
import { dirname, GLOB, isInside, resolvePath, UNKNOWN } from "./paths.js";

/**
 * Which arguments of the common file commands are written, deleted or read (recursively). Reads of
 * secrets are also caught for every argument by checkArgReads; this adds writes and recursive reads.
 */

interface Parsed {
  operands: string[];
  /** Options seen, with their value when they take one (`-o FILE`, `--output=FILE`). */
  options: Map<string, string | true>;
}

/** Splits options from operands. `withValue` lists the options that take a value. */
function parseOptions(args: readonly string[], withValue: readonly string[]): Parsed {
  const operands: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const key = eq === -1 ? a : a.slice(0, eq);
      if (eq !== -1) options.set(key, a.slice(eq + 1));
      else if (withValue.includes(key)) options.set(key, args[++i] ?? "");
      else options.set(key, true);
      continue;
    }
    if (a.startsWith("-") && a.length > 1 && !a.includes(UNKNOWN)) {
      // bundled short flags: -rf, -o FILE, -oFILE
      for (let k = 1; k < a.length; k++) {
        const flag = `-${a[k]}`;
        if (withValue.includes(flag)) {
          options.set(flag, k + 1 < a.length ? a.slice(k + 1) : (args[++i] ?? ""));
          break;
        }
        options.set(flag, true);
      }
      continue;
    }
    operands.push(a);
  }
  return { operands, options };
}

const has = (p: Parsed, ...keys: string[]) => keys.some((k) => p.options.has(k));
const value = (p: Parsed, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = p.options.get(k);
    if (typeof v === "string") return v;
  }
  return undefined;
};

function isRemote(arg: string): boolean {
  return /^[^/]*:/.test(arg) && !arg.startsWith("./");
}

export function checkFileCommand(name: string, args: string[], scope: Scope, ctx: Ctx): void {
  const w = (target: string, kind: "write" | "delete" = "write") =>
    checkWrite(target, scope, ctx, name, kind);
  const r = (source: string, recursive = false) => checkRead(source, scope, ctx, name, recursive);
  switch (name) {
    case "rm":
    case "rmdir":
    case "unlink":
    case "shred":
    case "srm": {
      const p = parseOptions(args, []);
      for (const target of p.operands) {
        if (/^\.\.?\/?$/.test(target) || /(^|\/)\.\.$/.test(target)) {
          const resolved = resolvePath(target, scope.cwd, ctx.io);
          if (resolved !== undefined && !isInside(resolved, ctx.policy.worktree)) {
            deny(
              `${name} ${shown(target)}: deleting ${resolved}, outside the worktree ${ctx.policy.worktree}, is blocked (a destructive delete); delete files inside the worktree instead`,
            );
          }
        }
        w(target, "delete");
      }
      return;
    }
    case "cp":
    case "mv":
    case "install": {
      const p = parseOptions(args, [
        "-t",
        "--target-directory",
        "-S",
        "--suffix",
        "-m",
        "--mode",
        "-o",
        "--owner",
        "-g",
        "--group",
      ]);
      if (name === "install" && has(p, "-d", "--directory")) {
        for (const dir of p.operands) w(dir);
        return;
      }
      const target = value(p, "-t", "--target-directory");
      const sources = target === undefined ? p.operands.slice(0, -1) : p.operands;
      const dest = target ?? p.operands[p.operands.length - 1];
      if (dest !== undefined) w(dest);
      const recursive = has(p, "-r", "-R", "-a", "--recursive", "--archive");
      for (const source of sources) {
        r(source, recursive);
        if (name === "mv") w(source, "delete");
      }
      return;
    }
    case "ln": {
      const p = parseOptions(args, ["-t", "--target-directory", "-S", "--suffix"]);
      const target = value(p, "-t", "--target-directory");
      const symbolic = has(p, "-s", "--symbolic");
      const links =
        target === undefined
          ? p.operands.length === 1
            ? [p.operands[0]!.replace(/.*\//, "")]
            : [p.operands[p.operands.length - 1]!]
          : [];
      const pointees =
        target === undefined ? p.operands.slice(0, Math.max(1, p.operands.length - 1)) : p.operands;
      for (const link of links) w(link);
      if (target !== undefined) w(target);
      const linkDir = target ?? (links[0] !== undefined ? dirnameOf(links[0]) : ".");
      for (const pointee of pointees) {
        const base =
          symbolic && !pointee.startsWith("/") ? resolvePath(linkDir, scope.cwd, ctx.io) : scope.cwd;
        if (pointee.includes(UNKNOWN))
          deny(
            `ln: the link target '${shown(pointee)}' cannot be known; link to a literal path inside the worktree`,
          );
        const resolved = resolvePath(pointee.replaceAll(GLOB, "x"), base, ctx.io);
        if (resolved === undefined || !isInside(resolved, ctx.policy.worktree)) {
          deny(
            `ln: a ${symbolic ? "symbolic" : "hard"} link to ${resolved ?? shown(pointee)}, outside the worktree ${ctx.policy.worktree}, is blocked (it would let later writes escape); copy the file into the worktree instead`,
          );
        }
      }
      return;
    }
    case "touch":
    case "mkdir":
    case "mkfifo":
    case "mknod":
    case "truncate":
    case "tee": {
      const p = parseOptions(args, [
        "-d",
        "--date",
        "-t",
        "-r",
        "--reference",
        "-m",
        "--mode",
        "-s",
        "--size",
        "-Z",
        "--context",
      ]);
      const targets = name === "mknod" ? p.operands.slice(0, 1) : p.operands;
      for (const target of targets) w(target);
      return;
    }
    case "chmod":
    case "chown":
    case "chgrp":
    case "chattr":
    case "setfacl": {
      const p = parseOptions(args, ["--reference"]);
      const recursive = has(p, "-R", "--recursive");
      const targets = has(p, "--reference") || name === "setfacl" ? p.operands : p.operands.slice(1);
      for (const target of targets) {
        try {
          w(target);
        } catch (error) {
          if (recursive)
            deny(
              `${name} -R: changing permissions or owners outside the worktree is blocked (${shown(target)}); change files inside the worktree instead`,
            );
          throw error;
        }
      }
      return;
    }
    case "dd":
      for (const a of args) {
        if (a.startsWith("of=")) w(a.slice(3));
        if (a.startsWith("if=")) r(a.slice(3));
      }
      return;
    case "sed":
    case "perl": {
      checkInPlace(name, args, w);
      return;
    }
    case "sort": {
      const p = parseOptions(args, [
        "-o",
        "--output",
        "-k",
        "--key",
        "-t",
        "--field-separator",
        "-S",
        "--buffer-size",
        "-T",
        "--temporary-directory",
        "--files0-from",
      ]);
      const out = value(p, "-o", "--output");
      if (out !== undefined) w(out);
      return;
    }
    case "tar": {
      checkTar(args, w, r);
      return;
    }
    case "unzip": {
      const p = parseOptions(args, ["-d", "-x", "-P"]);
      if (has(p, "-p", "-l", "-t", "-v", "-Z")) return;
      w(value(p, "-d") ?? ".");
      return;
    }
    case "zip": {
      const p = parseOptions(args, ["-x", "-i", "-b", "-n", "-t", "-tt", "-P", "-O", "--out"]);
      const [archive, ...sources] = p.operands;
      if (archive !== undefined) w(archive);
      for (const source of sources) r(source, has(p, "-r", "-R"));
      const out = value(p, "-O", "--out");
      if (out !== undefined) w(out);
      return;
    }
    case "gzip":
    case "gunzip":
    case "bzip2":
    case "bunzip2":
    case "xz":
    case "unxz":
    case "zstd":
    case "lz4": {
      const p = parseOptions(args, ["-S", "--suffix", "-o", "-T", "--threads"]);
      if (has(p, "-c", "--stdout", "-t", "--test", "-l", "--list")) return;
      const out = value(p, "-o");
      if (out !== undefined) w(out);
      for (const file of p.operands) w(file);
      return;
    }
    case "rsync":
    case "scp": {
      const p = parseOptions(
        args,
        name === "scp"
          ? ["-i", "-P", "-o", "-F", "-J", "-l", "-S", "-c", "-D"]
          : [
              "-e",
              "--rsh",
              "--exclude",
              "--include",
              "--filter",
              "-f",
              "--files-from",
              "--log-file",
              "--backup-dir",
              "--partial-dir",
              "--temp-dir",
              "-T",
              "--password-file",
              "--exclude-from",
              "--include-from",
              "--chmod",
              "--rsync-path",
              "-B",
              "--block-size",
              "--bwlimit",
              "--timeout",
              "--port",
            ],
      );
      const shell = value(p, "-e", "--rsh", "-S");
      if (shell !== undefined && !/^(ssh|\/usr\/bin\/ssh)(\s|$)/.test(shell))
        deny(`${name}: a remote shell other than ssh ('${shown(shell)}') is blocked`);
      const log = value(p, "--log-file");
      if (log !== undefined) w(log);
      const dest = p.operands[p.operands.length - 1];
      if (dest !== undefined && !isRemote(dest)) w(dest);
      for (const source of p.operands.slice(0, -1)) if (!isRemote(source)) r(source, true);
      return;
    }
    case "curl": {
      checkCurl(args, w);
      return;
    }
    case "wget": {
      const p = parseOptions(args, [
        "-O",
        "--output-document",
        "-o",
        "--output-file",
        "-a",
        "--append-output",
        "-P",
        "--directory-prefix",
        "-i",
        "--input-file",
        "--post-file",
        "--body-file",
        "-e",
        "--execute",
        "-U",
        "--user-agent",
        "--header",
        "-t",
        "--tries",
        "-T",
        "--timeout",
        "--user",
        "--password",
      ]);
      const doc = value(p, "-O", "--output-document");
      if (doc !== undefined && doc !== "-") w(doc);
      for (const log of [value(p, "-o", "--output-file"), value(p, "-a", "--append-output")])
        if (log !== undefined) w(log);
      if (doc === undefined) w(`${value(p, "-P", "--directory-prefix") ?? "."}/${GLOB}`);
      return;
    }
    case "patch": {
      const p = parseOptions(args, [
        "-o",
        "--output",
        "-d",
        "--directory",
        "-i",
        "--input",
        "-p",
        "--strip",
        "-B",
        "--prefix",
        "-r",
        "--reject-file",
        "-F",
        "--fuzz",
        "-z",
        "--suffix",
      ]);
      const out = value(p, "-o", "--output");
      if (out !== undefined && out !== "-") w(out);
      const dir = value(p, "-d", "--directory");
      if (dir !== undefined) w(dir);
      for (const file of p.operands.slice(0, 1)) w(file);
      return;
    }
    case "mktemp": {
      const p = parseOptions(args, ["-p", "--tmpdir", "--suffix"]);
      const dir = value(p, "-p", "--tmpdir");
      const template = p.operands[0];
      if (dir !== undefined) w(`${dir}/x`);
      else if (template?.includes("/")) w(template);
      else w(`${scope.env.TMPDIR ?? "/tmp"}/x`);
      return;
    }
    case "split":
    case "csplit": {
      const p = parseOptions(args, [
        "-l",
        "-b",
        "-C",
        "-n",
        "-a",
        "-d",
        "--additional-suffix",
        "-f",
        "--prefix",
        "-e",
        "--filter",
      ]);
      const prefix = value(p, "-f", "--prefix") ?? p.operands[1];
      if (prefix !== undefined) w(`${prefix}x`);
      return;
    }
    case "grep":
    case "egrep":
    case "fgrep":
    case "rg":
    case "ag":
    case "ack": {
      const p = parseOptions(args, [
        "-e",
        "-f",
        "-m",
        "-A",
        "-B",
        "-C",
        "--include",
        "--exclude",
        "--exclude-dir",
        "-g",
        "--glob",
        "-t",
        "--type",
        "-T",
        "--max-count",
        "--regexp",
        "--file",
      ]);
      const recursive =
        name !== "grep" && name !== "egrep" && name !== "fgrep"
          ? true
          : has(p, "-r", "-R", "--recursive", "--dereference-recursive");
      const paths = has(p, "-e", "-f", "--regexp", "--file") ? p.operands : p.operands.slice(1);
      for (const path of paths) r(path, recursive);
      return;
    }
    case "awk":
    case "gawk":
    case "mawk": {
      const program = args.find((a) => !a.startsWith("-")) ?? "";
      if (/\bsystem\s*\(|\|\s*"|print[^;}]*>\s*"|getline\s*<\s*"/.test(program)) {
        deny(
          `${name}: programs that run commands or write files (system(), print > "file", pipes) are blocked; use plain shell commands instead`,
        );
      }
      if (args.includes("inplace"))
        for (const file of args.slice(args.indexOf(program) + 1)) if (!file.startsWith("-")) w(file);
      return;
    }
    default:
      return;
  }
}

function dirnameOf(path: string): string {
  return path.includes("/") ? dirname(path) || "/" : ".";
}

/** sed -i / perl -i: the files are rewritten. sed scripts that write or execute are refused. */
function checkInPlace(name: string, args: string[], w: (target: string) => void): void {
  let inPlace = false;
  let script: string | undefined;
  let haveScript = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-i" || a.startsWith("--in-place") || (/^-[a-zA-Z]*i/.test(a) && !a.startsWith("--")))
      inPlace = true;
    if (a === "-e" || a === "--expression" || (a === "-E" && name === "perl")) {
      script = `${script ?? ""}\n${args[++i] ?? ""}`;
      haveScript = true;
      continue;
    }
    if (/^-[a-zA-Z]*e$/.test(a) && name === "perl") {
      script = `${script ?? ""}\n${args[++i] ?? ""}`;
      haveScript = true;
      continue;
    }
    if (a === "-f" || a === "--file") {
      i++;
      haveScript = true;
      continue;
    }
    if (a.startsWith("-") && a !== "-") continue;
    if (!haveScript) {
      script = a;
      haveScript = true;
      continue;
    }
    files.push(a);
  }
  if (
    name === "sed" &&
    script !== undefined &&
    /(^|[;\n}])\s*[0-9,$/!]*\s*[wWeR]\s|\/[gpIiMm0-9]*[we][gpIiMm0-9]*\s*(;|$|\s)/.test(script)
  ) {
    deny(
      "sed: scripts with w/W/R/e commands or the w/e flags (writing files, running commands) are blocked; use plain shell redirections",
    );
  }
  if (
    name === "perl" &&
    script !== undefined &&
    /\b(system|exec|unlink|rename|open)\b|`/.test(script) &&
    !inPlace
  )
    return;
  if (inPlace) for (const file of files) w(file);
}

function checkTar(args: string[], w: (t: string) => void, r: (s: string, recursive?: boolean) => void): void {
  let mode: "x" | "c" | "t" | undefined;
  let file: string | undefined;
  let dir: string | undefined;
  const operands: string[] = [];
  const bundle =
    args[0] !== undefined && !args[0].startsWith("-") && /^[a-zA-Z]+$/.test(args[0]) ? args[0] : undefined;
  let i = 0;
  const takeFlags = (flags: string) => {
    for (const f of flags) {
      if (f === "x") mode = "x";
      else if (f === "c" || f === "r" || f === "u") mode = "c";
      else if (f === "t") mode ??= "t";
      else if (f === "f") file = args[++i];
      else if (f === "C") dir = args[++i];
      else if (f === "P")
        deny("tar -P (absolute names) is blocked: archives may only unpack inside the worktree");
    }
  };
  if (bundle !== undefined) takeFlags(bundle);
  for (i = bundle === undefined ? 0 : 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--extract" || a === "--get") mode = "x";
    else if (a === "--create" || a === "--append" || a === "--update") mode = "c";
    else if (a === "--absolute-names")
      deny("tar --absolute-names is blocked: archives may only unpack inside the worktree");
    else if (a.startsWith("--file=")) file = a.slice(7);
    else if (a === "--file") file = args[++i];
    else if (a.startsWith("--directory=")) dir = a.slice(12);
    else if (a === "--directory") dir = args[++i];
    else if (/^-[a-zA-Z]+$/.test(a)) takeFlags(a.slice(1));
    else if (!a.startsWith("-")) operands.push(a);
  }
  if (mode === "x") {
    w(dir ?? ".");
    if (file !== undefined && file !== "-") r(file);
  } else if (mode === "c") {
    if (file !== undefined && file !== "-") w(file);
    for (const source of operands)
      r(dir === undefined || source.startsWith("/") ? source : `${dir}/${source}`, true);
  }
}

function checkCurl(args: string[], w: (t: string) => void): void {
  let remoteName = false;
  let outputDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => args[++i] ?? "";
    if (a === "-o" || a === "--output") {
      const out = next();
      if (out !== "-") w(out);
    } else if (a.startsWith("--output=")) w(a.slice(9));
    else if (/^-o./.test(a)) w(a.slice(2));
    else if (
      a === "-O" ||
      a === "--remote-name" ||
      a === "--remote-name-all" ||
      a === "-J" ||
      /^-[a-zA-Z]*O[a-zA-Z]*$/.test(a)
    )
      remoteName = true;
    else if (a === "--output-dir") outputDir = next();
    else if (
      a === "-D" ||
      a === "--dump-header" ||
      a === "-c" ||
      a === "--cookie-jar" ||
      a === "--trace" ||
      a === "--trace-ascii" ||
      a === "--stderr" ||
      a === "--etag-save" ||
      a === "--libcurl" ||
      a === "--hsts" ||
      a === "--alt-svc"
    ) {
      const out = next();
      if (out !== "-") w(out);
    }
  }
  if (remoteName || outputDir !== undefined) w(`${outputDir ?? "."}/${GLOB}`);
}
