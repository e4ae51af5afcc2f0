import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { claudeBinary, createClaudeSandbox } from "../fixtures/claude-env.js";
import { startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { createTempRepo } from "../fixtures/git-repo.js";
import {
  HOOK_RECORD_FILE_ENV,
  type HookRecord,
  readHookRecords,
  recorderSettings,
  writeSettings,
} from "../fixtures/hook-settings.js";
import { startTmuxServer } from "../fixtures/tmux-server.js";

// The interactive TUI in a private tmux server. Proves the pre-seeded `.claude.json` skips onboarding
// (without it the TUI runs a connectivity check that fails offline and exits 1).

const REPLY = "tui-reply-ok";

async function waitForHook(file: string, event: string, timeoutMs = 15_000): Promise<HookRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const record = (await readHookRecords(file)).find((h) => h.event === event);
    if (record !== undefined) return record;
    await sleep(100);
  }
  throw new Error(`hook ${event} did not run within ${timeoutMs} ms`);
}

test("the pre-seeded interactive TUI reaches its prompt, answers, and exits on /exit", async () => {
  await using fake = await startFakeAnthropic([[{ type: "text", text: REPLY }]]);
  await using repo = await createTempRepo();
  await using sandbox = await createClaudeSandbox({ baseUrl: fake.url, trustedDirs: [repo.dir] });
  const recordFile = join(sandbox.root, "hooks.jsonl");
  const settings = await writeSettings(
    join(sandbox.root, "settings.json"),
    recorderSettings(["SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"]),
  );
  await using tmux = startTmuxServer(sandbox.root, {
    ...sandbox.env,
    [HOOK_RECORD_FILE_ENV]: recordFile,
    TERM: "xterm-256color",
  });
  const pane = "agent:0";

  await tmux.tmux(
    ...["new-session", "-d", "-s", "agent", "-x", "200", "-y", "50", "-c", repo.dir],
    ...[claudeBinary(), "--permission-mode", "bypassPermissions", "--settings", settings],
    ...[";", "set-option", "-g", "remain-on-exit", "on"],
  );
  await tmux.waitForScreen(
    pane,
    (screen) => screen.includes("bypass permissions on") && screen.includes("❯"),
  );

  // Text and Enter as separate send-keys: typed text is literal (-l), Enter is a key.
  await tmux.tmux("send-keys", "-t", pane, "-l", "say hi");
  await tmux.waitForScreen(pane, (screen) => /❯\s*say hi/.test(screen));
  await tmux.tmux("send-keys", "-t", pane, "Enter");
  await tmux.waitForScreen(pane, (screen) => screen.includes(REPLY));
  const stop = await waitForHook(recordFile, "Stop");
  expect(stop.input).toMatchObject({ hook_event_name: "Stop", cwd: repo.dir, last_assistant_message: REPLY });

  await tmux.tmux("send-keys", "-t", pane, "-l", "/exit");
  await tmux.waitForScreen(pane, (screen) => /❯\s*\/exit/.test(screen));
  await tmux.tmux("send-keys", "-t", pane, "Enter");
  const end = await waitForHook(recordFile, "SessionEnd");
  expect(end.input).toMatchObject({ reason: "prompt_input_exit", session_id: stop.input.session_id });

  const events = (await readHookRecords(recordFile)).map((h) => h.event);
  expect(events).toEqual(["SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"]);
  expect(fake.turnRequests().map((r) => r.turn)).toEqual([0]);
}, 60_000);
