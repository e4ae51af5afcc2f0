import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { agentWorld, waitForTaskState } from "../helpers/agent-world.js";

// A custom agent (no hooks, so no guard) run by the real daemon under the real bubblewrap. The secret and
// the outside target live under /var/tmp, not /tmp: the sandbox gives the agent a private /tmp, which
// would hide them for the wrong reason.

interface TaskJson {
  id: number;
  state: string;
  branch: string | null;
  failureReason: string | null;
}

describe.runIf(existsSync("/usr/bin/bwrap") || existsSync("/bin/bwrap"))(
  "custom agents under bubblewrap",
  () => {
    it("write their worktree and commit, cannot write outside it, cannot read masked secrets", async () => {
      await using stack = new AsyncDisposableStack();
      const outside = mkdtempSync("/var/tmp/ccm-sandbox-e2e-");
      stack.defer(() => rmSync(outside, { recursive: true, force: true }));
      const secrets = join(outside, "secrets");
      mkdirSync(secrets);
      writeFileSync(join(secrets, "id_rsa"), "PRIVATE KEY\n");
      const agent = [
        "echo inside > inside.txt",
        `if echo x > ${outside}/escaped.txt 2>/dev/null; then echo write-outside-ok; else echo write-outside-refused; fi >> result.txt`,
        `if cat ${secrets}/id_rsa >/dev/null 2>&1; then echo secret-read; else echo secret-unreadable; fi >> result.txt`,
        'echo "sandbox=$CCM_SANDBOX" >> result.txt',
        "git add inside.txt result.txt && git commit -qm sandboxed",
      ].join("\n");
      const s = agentWorld(
        stack,
        `\n  custom:\n    boxed:\n      command: [sh, -c, ${JSON.stringify(agent)}, sh]\n      prompt_via: arg\n`,
      );
      appendFileSync(
        join(s.ccmHome, "config.yaml"),
        `safety:\n  sandbox: bwrap\n  guard:\n    deny_read: [${JSON.stringify(secrets)}]\n`,
      );
      const repo = s.gitRepo("boxed");
      s.run(["init"], { cwd: repo });
      writeFileSync(
        join(repo, ".ccm", "config.yaml"),
        "name: boxed\nbase_branch: main\nagent: boxed\nstages: {planning: false, reviewing: false, verifying: false}\n",
      );
      const { id } = s.json<{ id: number }>(["task", "create", "-p", "boxed", "try to escape"]);
      s.run(["daemon", "start"]);
      const task = await waitForTaskState<TaskJson>(s, id, ["awaiting_approval", "failed"]);
      expect(task.failureReason).toBeNull();
      const show = (file: string) =>
        execFileSync("git", ["show", `${task.branch}:${file}`], { cwd: repo, encoding: "utf8" });
      expect(show("inside.txt")).toBe("inside\n");
      expect(show("result.txt").split("\n")).toEqual([
        "write-outside-refused",
        "secret-unreadable",
        "sandbox=bwrap",
        "",
      ]);
      expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
      expect(readFileSync(join(secrets, "id_rsa"), "utf8")).toBe("PRIVATE KEY\n");
      const db = new DatabaseSync(join(s.ccmHome, "ccm.db"), { readOnly: true });
      const warnings = db
        .prepare("SELECT COUNT(*) AS n FROM events WHERE event = 'SandboxUnavailable'")
        .get();
      db.close();
      expect(warnings).toEqual({ n: 0 });
    });
  },
);
