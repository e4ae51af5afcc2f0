import type { Scope } from "./bash-eval.js";
import {
  containsSecret,
  dirname,
  GLOB,
  type GuardPolicy,
  isInside,
  type PathIO,
  readDenial,
  resolvePath,
  UNKNOWN,
  writeDenial,
} from "./paths.js";

/**
 * The shared context of one guard decision and its two questions: may this value be written, may it be
 * read. A "value" is an expanded word (bash-eval.ts) that may hold UNKNOWN and GLOB markers.
 */

export class Denied extends Error {
  override name = "Denied";
}

export interface Ctx {
  policy: GuardPolicy;
  io: PathIO;
  /** Functions defined by the script (name → body has been checked). */
  functions: Set<string>;
}

export function deny(reason: string): never {
  throw new Denied(reason);
}

/** Printable form of a value for messages. */
export function shown(value: string): string {
  return value.replaceAll(UNKNOWN, "<unknown>").replaceAll(GLOB, "*");
}

/**
 * The directory a value certainly stays inside: the text before its first marker, cut back to a `/`.
 * `exact` when the value has no marker. undefined when nothing is certain (starts with UNKNOWN, or an
 * UNKNOWN could hold `..`).
 */
function staticPart(value: string): { path: string; exact: boolean } | undefined {
  const unknown = value.indexOf(UNKNOWN);
  const glob = value.indexOf(GLOB);
  if (unknown === -1 && glob === -1) return { path: value, exact: true };
  if (unknown !== -1 && (glob === -1 || unknown < glob)) return undefined;
  const cut = value.lastIndexOf("/", glob);
  // `..` after a glob can climb out again
  if (/(^|\/)\.\.(\/|$)/.test(value.slice(glob))) return undefined;
  return { path: cut === -1 ? "." : cut === 0 ? "/" : value.slice(0, cut), exact: false };
}

export function checkWrite(
  value: string,
  scope: Scope,
  ctx: Ctx,
  what: string,
  kind: "write" | "delete" = "write",
): void {
  const part = staticPart(value);
  if (part === undefined) {
    deny(
      `${what}: the target '${shown(value)}' depends on a value the guard cannot know (a variable, a substitution or input); write to a literal path inside the worktree ${ctx.policy.worktree}`,
    );
  }
  const resolved = resolvePath(part.path, scope.cwd, ctx.io);
  if (resolved === undefined) {
    deny(
      `${what}: '${shown(value)}' is relative to a directory the guard cannot know (after a cd to an unknown place); use an absolute path inside ${ctx.policy.worktree}`,
    );
  }
  let why: string | undefined;
  if (part.exact) why = writeDenial(resolved, ctx.policy, kind);
  else {
    // a glob: some name inside `resolved`
    why = writeDenial(resolved === "/" ? `/${GLOB}` : `${resolved}/${GLOB}`, ctx.policy, "write");
    const hit = [ctx.policy.worktree, ...ctx.policy.protectedWrite].find(
      (p) => isInside(p, resolved) && p !== resolved,
    );
    if (
      why === undefined &&
      kind === "delete" &&
      hit !== undefined &&
      !isInside(resolved, ctx.policy.worktree)
    ) {
      why = `the pattern '${shown(value)}' can match ${hit}, which must not be deleted`;
    }
  }
  if (why !== undefined) deny(`${what}: ${why.replaceAll(GLOB, "*")}`);
}

export function checkRead(value: string, scope: Scope, ctx: Ctx, what: string, recursive = false): void {
  const part = staticPart(value);
  if (part === undefined) return;
  const resolved = resolvePath(part.path, scope.cwd, ctx.io);
  if (resolved === undefined) return;
  // A glob matches names directly inside its folder: `~/.ss*/id_rsa` reaches ~/.ssh, `/tmp/*` does not reach /tmp/x/.ssh.
  const globHits =
    !part.exact &&
    ctx.policy.denyRead.some(
      (secret) => dirname(secret) === resolved && !isInside(resolved, ctx.policy.worktree),
    );
  const why =
    readDenial(resolved, ctx.policy) ??
    (recursive
      ? containsSecret(resolved, ctx.policy)
      : globHits
        ? `${shown(value)} can match a secret in ${resolved}`
        : undefined);
  if (why !== undefined) {
    deny(
      `${what}: reading credentials is blocked: ${why}; read files inside the worktree ${ctx.policy.worktree} instead (or add the path to safety.guard.allow_read)`,
    );
  }
}

/** Every argument may name a file: `x`, `--opt=x`, `@x` (curl) are all checked against the secrets. */
export function checkArgReads(args: readonly string[], scope: Scope, ctx: Ctx, command: string): void {
  for (const arg of args) {
    if (arg === "" || arg === "-") continue;
    const candidates = [arg];
    const eq = arg.indexOf("=");
    if (eq > 0) candidates.push(arg.slice(eq + 1));
    for (const c of [...candidates]) if (c.startsWith("@") || c.startsWith("<")) candidates.push(c.slice(1));
    for (const candidate of candidates) {
      if (candidate === "" || (candidate.startsWith("-") && candidate === arg)) continue;
      checkRead(candidate, scope, ctx, command);
    }
  }
}

const SECRET_TEXT =
  /(^|[^A-Za-z0-9_])(\.ssh\/|\.ssh['"\s]|\.aws\/|\.gnupg|\.config\/gcloud|\.azure\/|\.kube\/config|\.docker\/config\.json|\.netrc|\.git-credentials|\.pypirc|\.credentials\.json|\/etc\/shadow|\/etc\/gshadow|\.vault-token|id_rsa|id_ed25519|id_ecdsa)/;

/** Inline code (python -c, node -e, …) that names a credential file. */
export function checkInlineCode(code: string, ctx: Ctx, command: string): void {
  const secret = SECRET_TEXT.exec(code);
  if (secret) {
    deny(
      `${command}: inline code that mentions '${secret[2]!.trim()}' is blocked (reading credentials); the agent's task should not need them`,
    );
  }
  const ccmHome = ctx.policy.protectedWrite[0];
  if (ccmHome !== undefined && code.includes(ccmHome)) {
    deny(`${command}: inline code that names ccm's own folder ${ccmHome} is blocked`);
  }
  if (
    /\bfork\s*\(\s*\)[\s\S]*\bwhile\b|\bwhile\b[\s\S]*\bfork\s*\(|fork\s+while\s+fork|fork\s*\)\s*while/.test(
      code,
    )
  ) {
    deny(`${command}: inline code that forks in a loop (a fork bomb) is blocked`);
  }
}
