import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AutomationDirs,
  DEFAULT_ENABLED,
  disableAutomation,
  enableAutomation,
  findAutomation,
  installShipped,
  listAutomations,
  shippedDir,
} from "./catalog.js";
import { suggest } from "./inspect.js";

let root: string;
let dirs: AutomationDirs;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ccm-catalog-"));
  dirs = { root: join(root, "automations"), shipped: join(root, "pkg-a", "automations") };
  shipped(dirs.shipped);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function shipped(dir: string): void {
  mkdirSync(join(dir, "lib"), { recursive: true });
  writeFileSync(join(dir, "lib", "ccm.sh"), "# lib\n");
  writeFileSync(join(dir, "block-patterns.txt"), "x\n");
  for (const name of [...DEFAULT_ENABLED, "extra"]) {
    writeFileSync(join(dir, name), "#!/bin/sh\n# ccm-events: Stop\n");
    chmodSync(join(dir, name), 0o755);
  }
}

describe("installShipped", () => {
  it("links the shipped scripts (not lib/ or data files) and enables the defaults once", () => {
    const first = installShipped(dirs, { enableDefaults: true });
    expect(first).toEqual({
      linked: ["block-patterns", "extra", "git-checkpoint", "project-context"],
      enabledByDefault: [...DEFAULT_ENABLED],
    });
    expect(existsSync(join(dirs.root, "available", "lib"))).toBe(false);
    expect(existsSync(join(dirs.root, "available", "block-patterns.txt"))).toBe(false);
    disableAutomation(dirs, "git-checkpoint");
    expect(installShipped(dirs, { enableDefaults: true })).toEqual({ linked: [], enabledByDefault: [] });
    expect(listAutomations(dirs).map((e) => [e.name, e.enabled])).toEqual([
      ["block-patterns", true],
      ["extra", false],
      ["git-checkpoint", false],
      ["project-context", true],
    ]);
  });

  it("re-points the links when the package moved (enabled ones follow), and keeps a user's own file", () => {
    installShipped(dirs, { enableDefaults: true });
    writeFileSync(join(dirs.root, "available", "mine"), "#!/bin/sh\n# ccm-events: Stop\n");
    rmSync(dirs.shipped, { recursive: true });
    expect(listAutomations(dirs).find((e) => e.name === "block-patterns")?.info.problems).toEqual([
      "missing (a broken link?)",
    ]);
    const moved = { ...dirs, shipped: join(root, "pkg-b", "automations") };
    shipped(moved.shipped);
    expect(installShipped(moved).linked).toHaveLength(4);
    expect(readlinkSync(join(dirs.root, "available", "extra"))).toBe(join(moved.shipped, "extra"));
    const entries = listAutomations(moved);
    expect(entries.find((e) => e.name === "block-patterns")).toMatchObject({
      where: "shipped",
      enabled: true,
    });
    expect(entries.find((e) => e.name === "block-patterns")?.info.problems).toEqual([]);
    expect(entries.find((e) => e.name === "mine")).toMatchObject({ where: "global", enabled: false });
  });

  it("a user's replacement of a shipped name is global, not shipped", () => {
    installShipped(dirs);
    rmSync(join(dirs.root, "available", "extra"));
    writeFileSync(join(dirs.root, "available", "extra"), "#!/bin/sh\n# ccm-events: Stop\n");
    chmodSync(join(dirs.root, "available", "extra"), 0o755);
    installShipped(dirs);
    expect(listAutomations(dirs).find((e) => e.name === "extra")?.where).toBe("global");
  });

  it("the real package folder ships the three examples", () => {
    installShipped({ ...dirs, shipped: shippedDir() }, { enableDefaults: true });
    const entries = listAutomations({ ...dirs, shipped: shippedDir() });
    expect(entries.map((e) => [e.name, e.where, e.enabled, e.info.problems])).toEqual([
      ["block-patterns", "shipped", true, []],
      ["git-checkpoint", "shipped", true, []],
      ["project-context", "shipped", true, []],
    ]);
  });
});

describe("enable, disable, find", () => {
  it("enable links enabled/NAME to ../available/NAME; a dangling enabled link shows as broken", () => {
    installShipped(dirs);
    expect(enableAutomation(dirs, "extra").changed).toBe(true);
    expect(enableAutomation(dirs, "extra").changed).toBe(false);
    symlinkSync(join(root, "nowhere"), join(dirs.root, "enabled", "ghost"));
    expect(findAutomation(dirs, "ghost")).toMatchObject({
      enabled: true,
      info: { problems: ["missing (a broken link?)"] },
    });
    expect(disableAutomation(dirs, "ghost").changed).toBe(true);
  });

  it("project:NAME picks the project's script when a global one has the same name", () => {
    installShipped(dirs);
    const project = join(root, "repo");
    mkdirSync(join(project, ".ccm", "automations"), { recursive: true });
    writeFileSync(join(project, ".ccm", "automations", "extra"), "#!/bin/sh\n# ccm-events: Stop\n");
    chmodSync(join(project, ".ccm", "automations", "extra"), 0o755);
    const scoped = { ...dirs, project: join(project, ".ccm", "automations") };
    expect(findAutomation(scoped, "extra").where).toBe("shipped");
    expect(findAutomation(scoped, "project:extra").where).toBe("project");
  });
});

describe("suggest", () => {
  it("offers close names, closest first, and nothing for unrelated ones", () => {
    expect(suggest("git-chekpoint", ["git-checkpoint", "block-patterns"])).toEqual(["git-checkpoint"]);
    expect(suggest("PreTooluse", ["PreToolUse", "PostToolUse"])).toEqual(["PreToolUse", "PostToolUse"]);
    expect(suggest("block", ["block-patterns"])).toEqual(["block-patterns"]);
    expect(suggest("zzz", ["git-checkpoint"])).toEqual([]);
  });
});
