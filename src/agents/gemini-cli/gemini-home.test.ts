import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { StageRequest } from "../adapter.js";
import { defaultUserGeminiHome, prepareGeminiHome, stripJsonComments } from "./gemini-home.js";

let dir: string;
let userHome: string;
let runDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccm-gemini-home-"));
  userHome = join(dir, "user");
  runDir = join(dir, "run");
  await mkdir(runDir, { recursive: true });
  await mkdir(userHome, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (): StageRequest => ({
  taskId: 1,
  agentId: 1,
  stage: "executing",
  prompt: "x",
  cwd: dir,
  runDir,
  mode: "headless",
  readOnly: false,
  hook: { command: "/usr/bin/node", args: ["/opt/ccm/hook.js"] },
  env: { CCM_TASK_ID: "1" },
});

const settingsOf = async (home: string) =>
  JSON.parse(await readFile(join(home, ".gemini", "settings.json"), "utf8"));

describe("prepareGeminiHome", () => {
  test("a new user: a private home with ccm's hooks, and the real session store created for resumes", async () => {
    const home = await prepareGeminiHome(request(), userHome);
    expect(home).toBe(join(runDir, "gemini-home"));
    const file = join(home, ".gemini", "settings.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const settings = await settingsOf(home);
    expect(settings.hooksConfig).toEqual({ enabled: true });
    expect(settings.hooks.AfterAgent[0].hooks[0].command).toBe("/usr/bin/node /opt/ccm/hook.js Stop");
    expect((await stat(join(userHome, ".gemini", "tmp"))).isDirectory()).toBe(true);
    expect(await readlink(join(home, ".gemini", "tmp"))).toBe(join(userHome, ".gemini", "tmp"));
  });

  test("the user's settings (comments allowed) are copied with their hooks first; everything else is linked", async () => {
    const real = join(userHome, ".gemini");
    await mkdir(join(real, "extensions"), { recursive: true });
    await writeFile(join(real, "oauth_creds.json"), '{"token":"secret"}');
    await writeFile(join(userHome, ".env"), "GEMINI_MODEL=flash\n");
    const mine = {
      matcher: "write_file",
      hooks: [{ type: "command", command: "~/bin/audit // not a comment" }],
    };
    const original = `{
      // my settings
      "model": { "name": "gemini-2.5-pro" }, /* block */
      "hooks": { "BeforeTool": [${JSON.stringify(mine)}] }
    }`;
    await writeFile(join(real, "settings.json"), original);

    const home = await prepareGeminiHome(request(), userHome);
    const settings = await settingsOf(home);
    expect(settings.model).toEqual({ name: "gemini-2.5-pro" });
    expect(settings.hooks.BeforeTool).toHaveLength(2);
    expect(settings.hooks.BeforeTool[0]).toEqual(mine);
    expect(settings.hooks.BeforeTool[1].hooks[0].name).toBe("ccm-BeforeTool");
    for (const entry of ["oauth_creds.json", "extensions", "tmp"]) {
      expect((await lstat(join(home, ".gemini", entry))).isSymbolicLink(), entry).toBe(true);
    }
    expect(await readlink(join(home, ".env"))).toBe(join(userHome, ".env"));
    // The user's own file is untouched.
    expect(await readFile(join(real, "settings.json"), "utf8")).toBe(original);
  });

  test("hooks switched off by the user stay off for theirs, not for ccm's", async () => {
    await mkdir(join(userHome, ".gemini"), { recursive: true });
    await writeFile(
      join(userHome, ".gemini", "settings.json"),
      JSON.stringify({
        hooksConfig: { enabled: false, notifications: false },
        hooks: { BeforeTool: [{ hooks: [] }] },
      }),
    );
    const settings = await settingsOf(await prepareGeminiHome(request(), userHome));
    expect(settings.hooksConfig).toEqual({ enabled: true, notifications: false });
    expect(settings.hooks.BeforeTool).toHaveLength(1);
    expect(settings.hooks.BeforeTool[0].hooks[0].name).toBe("ccm-BeforeTool");
  });

  test("settings Gemini could not read either are a clear configuration error", async () => {
    await mkdir(join(userHome, ".gemini"), { recursive: true });
    await writeFile(join(userHome, ".gemini", "settings.json"), "{ nope");
    await expect(prepareGeminiHome(request(), userHome)).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("settings.json"),
    });
  });
});

test("stripJsonComments keeps strings, drops both comment kinds", () => {
  expect(JSON.parse(stripJsonComments('{"a":"x // y /* z */", // c\n"b":1 /* d */}'))).toEqual({
    a: "x // y /* z */",
    b: 1,
  });
  expect(JSON.parse(stripJsonComments('{"q":"say \\"hi\\" // there"}'))).toEqual({ q: 'say "hi" // there' });
});

test("defaultUserGeminiHome follows GEMINI_CLI_HOME like Gemini does", () => {
  expect(defaultUserGeminiHome({ GEMINI_CLI_HOME: "/srv/g" })).toBe("/srv/g");
  expect(defaultUserGeminiHome({})).not.toBe("");
});
