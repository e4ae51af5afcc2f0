import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { buildClaudeSettings } from "../../src/agents/claude-code/settings.js";
import { openStore } from "../../src/store/db.js";
import { claudeBinary, createClaudeSandbox, seedClaudeJson } from "../fixtures/claude-env.js";
import { startFakeAnthropic } from "../fixtures/fake-anthropic/server.js";
import { createTempRepo } from "../fixtures/git-repo.js";
import { startTmuxServer } from "../fixtures/tmux-server.js";
import { REPO_ROOT } from "../helpers/cli.js";

// The real Claude Code TUI, logged in "by subscription" against the scripted Messages API, whose replies
// carry the anthropic-ratelimit-unified-* headers: the status line receives rate_limits, and our injected
// status-line command (the built dist/quota/statusline-entry.js, as agents run it) stores them as samples.

const STATUSLINE_ENTRY = join(REPO_ROOT, "dist", "quota", "statusline-entry.js");

interface SampleRow {
  account: string;
  source: string;
  window: string;
  used_percent: number;
  resets_at: number | null;
  task_id: number | null;
}

test("the real status line's rate_limits become quota samples (source statusline)", async () => {
  const fiveHourReset = Math.floor(Date.now() / 1000) + 3 * 3600;
  const sevenDayReset = Math.floor(Date.now() / 1000) + 4 * 86_400;
  await using fake = await startFakeAnthropic([[{ type: "text", text: "quota-reply" }]], {
    headers: {
      "anthropic-ratelimit-unified-5h-utilization": "0.42",
      "anthropic-ratelimit-unified-5h-reset": String(fiveHourReset),
      "anthropic-ratelimit-unified-7d-utilization": "0.07",
      "anthropic-ratelimit-unified-7d-reset": String(sevenDayReset),
    },
  });
  await using repo = await createTempRepo();
  await using sandbox = await createClaudeSandbox({
    baseUrl: fake.url,
    extra: {
      ANTHROPIC_API_KEY: undefined,
      CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-offline-test",
      CLAUDE_CODE_SUBSCRIPTION_TYPE: "max",
    },
  });
  await seedClaudeJson(sandbox.configDir, { apiKey: "sk-ant-oat01-offline-test", trustedDirs: [repo.dir] });
  const dbPath = join(sandbox.root, "ccm.db");
  openStore(dbPath).close();
  const settingsFile = join(sandbox.root, "settings.json");
  const settings = buildClaudeSettings({
    hook: { command: process.execPath, args: ["-e", "0"] },
    events: [],
    transport: "command",
    statusLine: { command: process.execPath, args: [STATUSLINE_ENTRY] },
  });
  writeFileSync(settingsFile, JSON.stringify(settings));
  await using tmux = startTmuxServer(sandbox.root, {
    ...sandbox.env,
    CCM_DB: dbPath,
    CCM_TASK_ID: "12",
    TERM: "xterm-256color",
  });
  const pane = "agent:0";
  await tmux.tmux(
    ...["new-session", "-d", "-s", "agent", "-x", "200", "-y", "50", "-c", repo.dir],
    ...[claudeBinary(), "--permission-mode", "bypassPermissions", "--settings", settingsFile],
    ...[";", "set-option", "-g", "remain-on-exit", "on"],
  );
  await tmux.waitForScreen(pane, (s) => s.includes("❯"), 20_000);
  await tmux.tmux("send-keys", "-t", pane, "-l", "say hi");
  await tmux.tmux("send-keys", "-t", pane, "Enter");
  await tmux.waitForScreen(pane, (s) => s.includes("quota-reply"), 20_000);

  const read = (): SampleRow[] => {
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      return db
        .prepare(
          "SELECT account, source, window, used_percent, resets_at, task_id FROM quota_samples ORDER BY id",
        )
        .all() as unknown as SampleRow[];
    } finally {
      db.close();
    }
  };
  const deadline = Date.now() + 20_000;
  let rows = read();
  while (!rows.some((r) => r.window === "five_hour") && Date.now() < deadline) {
    await sleep(200);
    rows = read();
  }
  const five = rows.find((r) => r.window === "five_hour");
  const seven = rows.find((r) => r.window === "seven_day");
  expect(five, `samples: ${JSON.stringify(rows)}\nscreen:\n${await tmux.capture(pane)}`).toMatchObject({
    account: sandbox.configDir,
    source: "statusline",
    used_percent: 42,
    resets_at: fiveHourReset * 1000,
    task_id: 12,
  });
  expect(seven).toMatchObject({ used_percent: 7, resets_at: sevenDayReset * 1000 });
  // The line we print is what the TUI shows at its bottom.
  await tmux.waitForScreen(pane, (s) => s.includes("ccm #12") && s.includes("5h 42%"), 10_000);
  // Unchanged readings are not stored again on every refresh.
  expect(read().filter((r) => r.window === "five_hour")).toHaveLength(1);
}, 90_000);
