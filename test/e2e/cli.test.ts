import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "../helpers/cli.js";

interface TaskJson {
  id: number;
  state: string;
  priority: string;
  project: string;
  title: string;
  prompt: string;
  dependsOn: number[];
  transitions?: { from: string | null; to: string; reason: string }[];
}

describe("ccm CLI (built, run as a user would)", () => {
  it("prints its version and teaching help", () => {
    using s = sandbox();
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(s.run(["--version"]).stdout.trim()).toBe(pkg.version);
    expect(s.run(["version"]).stdout.trim()).toBe(pkg.version);
    const help = s.run(["--help"]);
    expect(help.code).toBe(0);
    for (const word of ["daemon", "config", "project", "task", "init", "info", "Getting started"]) {
      expect(help.stdout).toContain(word);
    }
    expect(s.run(["task", "create", "--help"]).stdout).toContain(
      'echo "Test task" | ccm task create --project repo-1',
    );
  });

  it("daemon init creates user-only files, is idempotent, and --force rewrites", () => {
    using s = sandbox();
    const first = s.run(["daemon", "init", "--yes", "--profile", "minimal", "--hostname", "box-1"]);
    expect(first.code, first.stderr).toBe(0);
    expect(statSync(s.ccmHome).mode & 0o777).toBe(0o700);
    expect(statSync(join(s.ccmHome, "config.yaml")).mode & 0o777).toBe(0o600);
    expect(statSync(join(s.ccmHome, "ccm.db")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(s.ccmHome, "config.schema.json"))).toBe(true);
    for (const d of ["logs", "automations"]) expect(statSync(join(s.ccmHome, d)).mode & 0o777).toBe(0o700);
    const config = s.json<{
      profile: string;
      web_ui: { enabled: boolean };
      system: { hostname: string; id: string };
    }>(["config", "show"]);
    expect(config).toMatchObject({
      profile: "minimal",
      web_ui: { enabled: false },
      system: { hostname: "box-1" },
    });

    writeFileSync(
      join(s.ccmHome, "config.yaml"),
      `${readFileSync(join(s.ccmHome, "config.yaml"), "utf8")}# mine\n`,
    );
    const again = s.run(["daemon", "init", "--yes", "--profile", "full"]);
    expect(again.stdout).toContain("kept the existing");
    expect(readFileSync(join(s.ccmHome, "config.yaml"), "utf8")).toContain("# mine");

    const forced = s.json<{ configWritten: boolean; profile: string; systemId: string }>([
      "daemon",
      "init",
      "--yes",
      "--force",
      "--profile",
      "full",
    ]);
    expect(forced).toMatchObject({ configWritten: true, profile: "full", systemId: config.system.id });

    const supa = s.run(["daemon", "init", "--yes", "--supabase"]);
    expect(supa.stdout).toContain("not built yet");
  });

  it("refuses bad flags with exit 2 and the allowed values", () => {
    using s = sandbox();
    const bad = s.run(["daemon", "init", "--yes", "--profile", "huge"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/full, minimal/);
    expect(s.run(["task", "frobnicate"]).code).toBe(2);
  });

  it("validates config: names key, value and what is allowed; warns on unknown keys; no stack trace", () => {
    using s = sandbox({ config: "agents:\n  max_concurrent: -3\nprofile: medium\nweb_ui:\n  port: 70000\n" });
    const r = s.run(["config", "validate"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("agents.max_concurrent");
    expect(r.stderr).toContain("-3");
    expect(r.stderr).toMatch(/profile.*"full"\|"minimal".*medium/);
    expect(r.stderr).toContain("web_ui.port");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(s.run(["config", "validate", "--debug"]).stderr).toMatch(/at .*\.js:\d+/);

    writeFileSync(join(s.ccmHome, "config.yaml"), "profile: full\nagents:\n  max_concurent: 3\nbogus: 1\n");
    const w = s.run(["config", "validate"]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain("unknown key 'agents.max_concurent'");
    expect(w.stderr).toContain("unknown key 'bogus'");

    writeFileSync(join(s.ccmHome, "config.yaml"), "profile: [unclosed\n");
    const y = s.run(["task", "list"]);
    expect(y.code).toBe(3);
    expect(y.stderr).toMatch(/not valid YAML \(line \d+, column \d+\): .*indented/);
  });

  it("config edit saves only a config that validates", () => {
    using s = sandbox();
    s.run(["daemon", "init", "--yes"]);
    const editor = join(s.root, "editor.sh");
    const original = readFileSync(join(s.ccmHome, "config.yaml"), "utf8");
    writeFileSync(editor, '#!/bin/sh\nprintf "agents:\\n  max_concurrent: zero\\n" > "$1"\n');
    chmodSync(editor, 0o755);
    const bad = s.run(["config", "edit"], { env: { EDITOR: editor } });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("previous config was kept");
    expect(readFileSync(join(s.ccmHome, "config.yaml"), "utf8")).toBe(original);

    writeFileSync(editor, '#!/bin/sh\nsed -i "s/max_concurrent: 10/max_concurrent: 4/" "$1"\n');
    const good = s.run(["config", "edit"], { env: { EDITOR: editor } });
    expect(good.code, good.stderr).toBe(0);
    expect(s.json<{ agents: { max_concurrent: number } }>(["config", "show"]).agents.max_concurrent).toBe(4);
  });

  it("ccm init registers a git repository idempotently and refuses other folders", () => {
    using s = sandbox();
    const plain = join(s.root, "plain");
    mkdirSync(plain);
    const refused = s.run(["init"], { cwd: plain });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("not inside a git repository");
    expect(refused.stderr).toContain("git init");

    const repo = s.gitRepo("repo-1", { branch: "trunk" });
    const first = s.run(["init"], { cwd: join(repo) });
    expect(first.code, first.stderr).toBe(0);
    for (const f of ["config.yaml", "skills", "prompts", "agent.log", ".gitignore"]) {
      expect(existsSync(join(repo, ".ccm", f))).toBe(true);
    }
    writeFileSync(join(repo, ".ccm", "config.yaml"), "name: repo-1\n# edited\n");
    const second = s.run(["init"], { cwd: repo });
    expect(second.stdout).toContain("already registered");
    expect(readFileSync(join(repo, ".ccm", "config.yaml"), "utf8")).toContain("# edited");
    const projects = s.json<{ name: string; path: string; baseBranch: string }[]>(["project", "list"]);
    expect(projects).toEqual([expect.objectContaining({ name: "repo-1", path: repo, baseBranch: "trunk" })]);

    const other = s.gitRepo("other");
    expect(s.run(["project", "add", other, "--name", "svc"]).code).toBe(0);
    expect(s.run(["project", "add", other, "--name", "svc2"]).stderr).toContain(
      "already registered as project 'svc'",
    );
    expect(s.run(["project", "remove", "svc"]).stdout).toContain("no files were deleted");
    expect(existsSync(join(other, ".ccm", "config.yaml"))).toBe(true);
    expect(s.run(["project", "remove", "svc"]).code).toBe(4);
  });

  it("creates, lists, shows and cancels tasks; bad input gets clear errors", () => {
    using s = sandbox();
    const repo = s.gitRepo("repo-1");
    s.run(["init"], { cwd: repo });

    const piped = s.run(["task", "create", "--project", "repo-1"], { input: "Test task\n" });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/queued task #1 in repo-1/);

    const urgent = s.json<TaskJson>([
      "task",
      "create",
      "-p",
      "repo-1",
      "--priority",
      "urgent",
      "Fix",
      "the",
      "bug",
    ]);
    expect(urgent).toMatchObject({ id: 2, priority: "urgent", prompt: "Fix the bug", state: "queued" });
    const dependent = s.json<TaskJson>(
      ["task", "create", "--depends-on", "1,2", "--depends-on", "2", "Docs"],
      { cwd: repo },
    );
    expect(dependent).toMatchObject({ project: "repo-1", dependsOn: [1, 2] });

    const unknown = s.run(["task", "create", "--project", "nope", "x"]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("no project named 'nope'");
    expect(unknown.stderr).toContain("repo-1");
    const badPriority = s.run(["task", "create", "-p", "repo-1", "--priority", "asap", "x"]);
    expect(badPriority.code).toBe(2);
    expect(badPriority.stderr).toContain("urgent, high, normal, low");
    expect(s.run(["task", "create", "-p", "repo-1", "--depends-on", "99", "x"]).stderr).toContain(
      "no task #99",
    );
    expect(s.run(["task", "create", "-p", "repo-1"], { input: "   \n" }).stderr).toContain("prompt is empty");
    expect(s.run(["task", "show", "abc"]).code).toBe(2);
    expect(s.run(["task", "show", "42"]).code).toBe(4);

    const list = s.json<{ tasks: TaskJson[]; total: number }>(["task", "list"]);
    expect(list.total).toBe(3);
    expect(list.tasks.map((t) => t.id)).toEqual([3, 2, 1]);
    expect(s.run(["task", "list"]).stdout).toMatch(/#2\s+repo-1\s+queued\s+urgent/);

    expect(s.run(["task", "cancel", "1", "--reason", "not needed"]).code).toBe(0);
    const again = s.run(["task", "cancel", "1"]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain("cancelled is final");
    const shown = s.json<TaskJson>(["task", "show", "1"]);
    expect(shown.transitions?.map((t) => [t.from, t.to, t.reason])).toEqual([
      [null, "queued", "created"],
      ["queued", "cancelled", "not needed"],
    ]);
    expect(s.json<{ total: number }>(["task", "list", "--state", "cancelled"]).total).toBe(1);
    expect(s.run(["task", "show", "2"]).stdout).toMatch(/History:[\s\S]*created/);
  });

  it("enforces resources.max_queue_size", () => {
    using s = sandbox({ config: "resources:\n  max_queue_size: 1\n" });
    const repo = s.gitRepo("r");
    s.run(["init"], { cwd: repo });
    expect(s.run(["task", "create", "-p", "r", "one"]).code).toBe(0);
    const full = s.run(["task", "create", "-p", "r", "two"]);
    expect(full.code).toBe(5);
    expect(full.stderr).toContain("resources.max_queue_size (1)");
  });

  it("refuses a corrupt database without touching it", () => {
    using s = sandbox();
    mkdirSync(s.ccmHome, { recursive: true });
    const db = join(s.ccmHome, "ccm.db");
    writeFileSync(db, "not a database at all, just text ".repeat(20));
    const before = readFileSync(db);
    const r = s.run(["task", "list"]);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("not a readable SQLite database");
    expect(r.stderr).toContain(".corrupt");
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it.runIf(process.platform === "linux")(
    "install-service writes a user unit that runs the real daemon entry; uninstall removes it",
    () => {
      using s = sandbox();
      const r = s.run(["daemon", "install-service"]);
      expect(r.code, r.stderr).toBe(0);
      const unit = join(s.home, ".config", "systemd", "user", "ccm-orchestrator.service");
      const text = readFileSync(unit, "utf8");
      expect(text).toContain(process.execPath);
      expect(text).toMatch(/dist\/daemon\/main\.js"? "?daemon"? "?start"? "?--foreground/);
      expect(text).toContain("KillMode=process");
      expect(text).toContain("Restart=on-failure");
      expect(r.stdout).toContain("systemctl --user enable --now ccm-orchestrator.service");
      expect(s.run(["daemon", "install-service"]).stdout).toContain("already up to date");
      const u = s.run(["daemon", "uninstall-service"]);
      expect(u.stdout).toContain(`removed ${unit}`);
      expect(existsSync(unit)).toBe(false);
    },
  );
});
