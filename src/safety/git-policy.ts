import type { Scope } from "./bash-eval.js";
import { type Ctx, checkRead, checkWrite, deny, shown } from "./checks.js";
import { isInside, resolvePath, UNKNOWN } from "./paths.js";

/**
 * Git restrictions: the agent works on its task branch in its worktree. No push (in any spelling), no
 * switching branches, no rewriting other branches or refs, no submodule changes, no remote or config
 * changes that outlive the task, no new worktrees. Reading commands are fine anywhere.
 *
 * git config: reads are allowed; writes are refused in every scope except `--worktree` for a few harmless
 * keys (the local config is shared with the user's main checkout, and it holds ccm's push backstop).
 */

/** Environment variables that redirect git or make it run programs. */
const GIT_ENV =
  /^(GIT_DIR|GIT_WORK_TREE|GIT_COMMON_DIR|GIT_INDEX_FILE|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_CONFIG|GIT_CONFIG_GLOBAL|GIT_CONFIG_SYSTEM|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_[0-9]+|GIT_CONFIG_VALUE_[0-9]+|GIT_CONFIG_PARAMETERS|GIT_SSH|GIT_SSH_COMMAND|GIT_EXEC_PATH|GIT_ASKPASS|GIT_EDITOR|GIT_SEQUENCE_EDITOR|GIT_PAGER|GIT_EXTERNAL_DIFF|GIT_PROXY_COMMAND|GIT_TEMPLATE_DIR)$/;

export function checkGitEnv(names: readonly string[]): void {
  const bad = names.find((n) => GIT_ENV.test(n));
  if (bad !== undefined) {
    deny(
      `setting ${bad} is blocked: it points git at another repository or makes it run programs; run git plainly in the worktree`,
    );
  }
}

/** `-c key=value` keys that change nothing outside the command and run no program. */
const SAFE_CONFIG =
  /^(user\.(name|email)|author\.(name|email)|committer\.(name|email)|color\..*|commit\.gpgsign|tag\.gpgsign|gc\.auto|advice\..*|core\.quotepath|core\.autocrlf|core\.abbrev|core\.filemode|init\.defaultbranch|log\..*|diff\.(renames|noprefix|algorithm|colormoved|mnemonicprefix|context|statgraphwidth)|merge\.conflictstyle|pull\.rebase|pull\.ff|rebase\.(autostash|autosquash)|status\..*|i18n\..*|safe\.directory|column\.ui|format\.pretty|pager\.[a-z-]+)$/i;

const READ_ONLY = new Set([
  "status",
  "log",
  "diff",
  "show",
  "blame",
  "annotate",
  "ls-files",
  "ls-tree",
  "rev-parse",
  "rev-list",
  "grep",
  "describe",
  "shortlog",
  "cat-file",
  "diff-tree",
  "diff-files",
  "diff-index",
  "merge-base",
  "name-rev",
  "for-each-ref",
  "show-ref",
  "check-ignore",
  "check-attr",
  "count-objects",
  "whatchanged",
  "cherry",
  "range-diff",
  "version",
  "help",
  "var",
  "ls-remote",
  "fsck",
  "verify-commit",
  "verify-tag",
  "show-branch",
  "reflog",
  "config",
  "branch",
  "tag",
  "remote",
  "stash",
  "worktree",
  "submodule",
  "symbolic-ref",
  "notes",
  "bisect",
  "archive",
  "format-patch",
  "bundle",
  "fetch",
  "pull",
  "rev-list",
]);

const REFUSED: Record<string, string> = {
  push: "pushing is blocked: ccm hands the branch to the user, who reviews and merges it",
  "send-pack": "pushing (send-pack) is blocked",
  "receive-pack": "git receive-pack is blocked",
  "http-push": "pushing is blocked",
  "send-email": "sending patches by email is blocked",
  "filter-branch": "rewriting history with filter-branch is blocked",
  "filter-repo": "rewriting history with filter-repo is blocked",
  replace: "git replace (rewriting objects) is blocked",
  prune: "git prune is blocked (it can drop snapshots)",
  credential: "reading git credentials is blocked",
  "credential-store": "reading git credentials is blocked",
  "credential-cache": "reading git credentials is blocked",
  daemon: "git daemon is blocked",
  "update-server-info": "git update-server-info is blocked",
  switch: "switching branches is blocked: stay on the task branch",
};

export function checkGit(args: string[], scope: Scope, ctx: Ctx): void {
  let cwd = scope.cwd;
  let redirected = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-C") {
      const dir = args[++i] ?? "";
      if (dir.includes(UNKNOWN)) cwd = undefined;
      else {
        checkRead(dir, { ...scope, cwd }, ctx, "git -C", true);
        cwd = resolvePath(dir, cwd, ctx.io);
      }
    } else if (a === "-c") checkConfigPair(args[++i] ?? "", "git -c");
    else if (a.startsWith("--config-env")) deny("git --config-env is blocked; use -c with a literal value");
    else if (a === "--git-dir" || a === "--work-tree" || a === "--namespace" || a === "--exec-path") {
      redirected = true;
      i++;
    } else if (/^--(git-dir|work-tree|namespace|exec-path)=/.test(a)) redirected = true;
    else if (a === "--super-prefix" || a === "--list-cmds") i++;
    else if (!a.startsWith("-")) break;
  }
  const sub = args[i];
  if (sub === undefined) return;
  const rest = args.slice(i + 1);
  if (sub.includes(UNKNOWN))
    deny(`git ${shown(sub)}: a git command that comes from a variable cannot be checked; write it literally`);
  if (REFUSED[sub] !== undefined || sub.startsWith("credential"))
    deny(`git ${sub}: ${REFUSED[sub] ?? "reading git credentials is blocked"}`);
  const inWorktree = cwd !== undefined && isInside(cwd, ctx.policy.worktree);
  const readOnly = READ_ONLY.has(sub) && isReadOnlyForm(sub, rest);
  if (!readOnly) {
    if (redirected)
      deny(
        `git --git-dir/--work-tree with '${sub}' is blocked: it would change another repository; run git in the worktree ${ctx.policy.worktree}`,
      );
    if (!inWorktree) {
      deny(
        `git ${sub} outside the worktree is blocked (${cwd ?? "an unknown directory"} is not inside ${ctx.policy.worktree}); run it in the worktree`,
      );
    }
  }
  const own = ctx.policy.branch;
  const isOwn = (ref: string) =>
    own !== undefined && (ref === own || ref === `refs/heads/${own}` || ref === "HEAD");
  switch (sub) {
    case "checkout": {
      checkCheckout(rest, { ...scope, cwd }, ctx, isOwn);
      return;
    }
    case "branch": {
      const flags = rest.filter((a) => a.startsWith("-"));
      const names = rest.filter((a) => !a.startsWith("-"));
      if (
        flags.some((f) => (/^-[a-zA-Z]*[mMcC]/.test(f) && !f.startsWith("--")) || /^--(move|copy)$/.test(f))
      ) {
        deny(
          "git branch -m/-c (renaming or copying branches) is blocked: the task branch must keep its name",
        );
      }
      if (flags.some((f) => (/^-[a-zA-Z]*[dD]/.test(f) && !f.startsWith("--")) || f === "--delete")) {
        if (names.some((n) => !isOwn(n)))
          deny(
            `git branch -d/-D of other branches (${names.join(", ")}) is blocked; only the task branch is yours`,
          );
      }
      if (flags.some((f) => (/^-[a-zA-Z]*f/.test(f) && !f.startsWith("--")) || f === "--force")) {
        deny("git branch -f (moving a branch) is blocked; commit on the task branch instead");
      }
      return;
    }
    case "update-ref": {
      const refs = rest.filter((a) => !a.startsWith("-"));
      if (rest.includes("--stdin") || (refs[0] !== undefined && !isOwn(refs[0]))) {
        deny(
          `git update-ref of ${refs[0] ?? "refs from stdin"} is blocked: only the task branch ${own ?? ""} may move`,
        );
      }
      return;
    }
    case "symbolic-ref":
      if (rest.filter((a) => !a.startsWith("-")).length >= 2)
        deny("git symbolic-ref HEAD … (switching branches) is blocked");
      return;
    case "rebase": {
      const positional = rest.filter(
        (a, k) =>
          !a.startsWith("-") &&
          !["--onto", "-s", "-X", "--strategy", "--exec", "-x"].includes(rest[k - 1] ?? ""),
      );
      if (positional.length >= 2 && !isOwn(positional[1]!))
        deny(
          `git rebase onto ${positional[1]} would check out another branch; rebase the task branch only (git rebase <upstream>)`,
        );
      if (rest.some((a) => a === "-x" || a.startsWith("--exec")))
        deny("git rebase --exec is blocked; run the commands directly");
      return;
    }
    case "reset":
      return;
    case "submodule": {
      const action = rest.find((a) => !a.startsWith("-"));
      if (action !== undefined && action !== "status" && action !== "summary")
        deny(`git submodule ${action} is blocked: tasks may not add or change submodules`);
      return;
    }
    case "config": {
      checkConfig(rest);
      return;
    }
    case "remote": {
      const action = rest.find((a) => !a.startsWith("-"));
      if (action !== undefined && !["show", "get-url"].includes(action))
        deny(`git remote ${action} is blocked: tasks may not change remotes`);
      return;
    }
    case "worktree": {
      const action = rest.find((a) => !a.startsWith("-"));
      if (action !== undefined && action !== "list")
        deny(`git worktree ${action} is blocked: each task has exactly one worktree`);
      return;
    }
    case "gc":
      if (rest.some((a) => a.startsWith("--prune") || a === "--aggressive"))
        deny("git gc --prune is blocked (it can drop snapshots); plain git gc is fine");
      return;
    case "reflog":
      if (rest.some((a) => a === "expire" || a === "delete"))
        deny(`git reflog ${rest[0]} is blocked (it can drop the history snapshots rely on)`);
      return;
    case "tag":
      if (
        rest.some(
          (a) => (/^-[a-zA-Z]*[df]/.test(a) && !a.startsWith("--")) || a === "--delete" || a === "--force",
        )
      )
        deny("git tag -d/-f (deleting or moving tags) is blocked; create new tags only");
      return;
    case "stash":
      if (rest[0] === "clear" || rest[0] === "drop")
        deny(`git stash ${rest[0]} is blocked: the stash is shared with the user's checkout`);
      return;
    case "fetch":
    case "pull":
      if (rest.some((a) => !a.startsWith("-") && a.includes(":")))
        deny(
          `git ${sub} with a refspec that writes a local branch (src:dst) is blocked; fetch without a destination`,
        );
      return;
    case "clone":
    case "init": {
      const positional = rest.filter((a) => !a.startsWith("-"));
      const target =
        sub === "clone"
          ? (positional[1] ?? (positional[0] ?? "").replace(/\.git$/, "").replace(/.*[/:]/, ""))
          : (positional[0] ?? ".");
      checkWrite(target, { ...scope, cwd }, ctx, `git ${sub}`);
      return;
    }
    case "archive":
    case "format-patch":
    case "diff":
    case "log":
    case "bundle": {
      for (let k = 0; k < rest.length; k++) {
        const a = rest[k]!;
        if (a === "-o" || a === "--output" || a === "--output-directory")
          checkWrite(rest[k + 1] ?? "", { ...scope, cwd }, ctx, `git ${sub} ${a}`);
        else if (/^--output(-directory)?=/.test(a))
          checkWrite(a.slice(a.indexOf("=") + 1), { ...scope, cwd }, ctx, `git ${sub}`);
      }
      if (sub === "bundle" && rest[0] === "create" && rest[1] !== undefined)
        checkWrite(rest[1], { ...scope, cwd }, ctx, "git bundle create");
      return;
    }
    default:
      return;
  }
}

function isReadOnlyForm(sub: string, rest: string[]): boolean {
  const positional = rest.filter((a) => !a.startsWith("-"));
  switch (sub) {
    case "config":
      return (
        rest.some((a) => /^(--get|--get-all|--get-regexp|--list|-l|--show-origin|--get-urlmatch)$/.test(a)) ||
        positional[0] === "get" ||
        positional[0] === "list" ||
        positional.length === 1
      );
    case "branch":
    case "tag":
      return (
        positional.length === 0 ||
        rest.some((a) =>
          /^(-l|--list|--contains|--merged|--no-merged|--points-at|--show-current|-a|-r|-v|-vv)$/.test(a),
        )
      );
    case "remote":
      return positional.length === 0 || positional[0] === "show" || positional[0] === "get-url";
    case "stash":
      return positional[0] === "list" || positional[0] === "show";
    case "worktree":
    case "submodule":
      return positional[0] === "list" || positional[0] === "status" || positional[0] === undefined;
    case "symbolic-ref":
      return positional.length <= 1;
    case "notes":
      return positional[0] === undefined || positional[0] === "list" || positional[0] === "show";
    case "bisect":
    case "fetch":
    case "pull":
    case "archive":
    case "format-patch":
    case "bundle":
      return false;
    case "diff":
    case "log":
      return !rest.some((a) => a.startsWith("--output"));
    default:
      return true;
  }
}

function checkCheckout(rest: string[], scope: Scope, ctx: Ctx, isOwn: (ref: string) => boolean): void {
  const dash = rest.indexOf("--");
  const before = dash === -1 ? rest : rest.slice(0, dash);
  if (before.some((a) => /^-[bB]$|^--orphan$|^-[a-zA-Z]*[bB]$/.test(a))) {
    deny(
      "git checkout -b/-B/--orphan (creating and switching to another branch) is blocked: stay on the task branch",
    );
  }
  if (
    dash !== -1 ||
    before.some((a) => a === "-p" || a === "--patch" || a.startsWith("--pathspec-from-file"))
  )
    return;
  const positional = before.filter((a) => !a.startsWith("-"));
  for (const arg of positional) {
    if (isOwn(arg) || arg === ".") continue;
    const path = resolvePath(arg, scope.cwd, ctx.io);
    if (path !== undefined && ctx.io.realpath(path) !== undefined && isInside(path, ctx.policy.worktree))
      continue;
    deny(
      `git checkout ${arg}: switching to another branch or commit is blocked (stay on ${ctx.policy.branch ?? "the task branch"}); to restore files use 'git checkout ${arg} -- <paths>' or 'git restore'`,
    );
  }
}

function checkConfigPair(pair: string, via: string): void {
  const key = pair.split("=")[0] ?? "";
  if (!SAFE_CONFIG.test(key)) {
    deny(
      `${via} ${key}: this setting can run programs or change remotes, hooks or aliases and is blocked; allowed: user.name, user.email, color.*, core.quotepath and similar`,
    );
  }
}

function checkConfig(rest: string[]): void {
  if (isReadOnlyForm("config", rest)) return;
  const worktree = rest.includes("--worktree");
  const positional = rest.filter((a) => !a.startsWith("-"));
  const key = positional[0] === "set" || positional[0] === "unset" ? positional[1] : positional[0];
  if (!worktree) {
    deny(
      `git config ${rest.join(" ")}: config writes are blocked outside the worktree scope (the local and global configs are shared with the user); use 'git -c key=value <command>' for one command or 'git config --worktree' for user.name/user.email`,
    );
  }
  checkConfigPair(key ?? "", "git config --worktree");
}
