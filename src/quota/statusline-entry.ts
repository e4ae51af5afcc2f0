// The status-line command injected into every agent's per-run Claude Code settings (`statusLine`):
// `<node> <pkg>/dist/quota/statusline-entry.js`. Claude Code runs it often (on every status update) in
// interactive sessions, with the status JSON on stdin, and shows the first line it prints. It records the
// payload's rate_limits as quota samples (source "statusline") — only when they changed or the last one is
// a minute old, so the table does not grow with every refresh — and prints a short status line.
// Cheap like the hook entry: node:sqlite only, synchronous, and it never fails the status line.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { accountOfTranscript } from "./accounts.js";
import { parseStatusLine, samplesOf, statusText } from "./statusline.js";

const REWRITE_AFTER_MS = 60_000;

function main(): string {
  const env = process.env;
  const taskId = /^[1-9][0-9]{0,15}$/.test(env.CCM_TASK_ID ?? "") ? Number(env.CCM_TASK_ID) : null;
  let input = "";
  try {
    input = readFileSync(0, "utf8");
  } catch {
    // No stdin: print the bare status.
  }
  const parsed = parseStatusLine(input);
  if (parsed && parsed.readings.length > 0 && env.CCM_DB) {
    const configDir = env.CLAUDE_CONFIG_DIR?.split(",")[0]?.trim();
    const account =
      (configDir ? resolve(configDir) : undefined) ??
      (parsed.transcriptPath ? accountOfTranscript(parsed.transcriptPath) : undefined) ??
      resolve(env.HOME ?? "/", ".claude");
    try {
      record(env.CCM_DB, samplesOf(parsed, account, taskId));
    } catch (error) {
      process.stderr.write(`ccm statusline: sample not stored: ${(error as Error).message}\n`);
    }
  }
  return statusText(parsed, taskId);
}

function record(path: string, samples: ReturnType<typeof samplesOf>): void {
  const db = new DatabaseSync(path, { timeout: 2000 });
  try {
    const now = Date.now();
    const last = db.prepare(
      `SELECT used_percent, resets_at, at FROM quota_samples WHERE account = ? AND source = 'statusline'
       AND window = ? ORDER BY at DESC LIMIT 1`,
    );
    const insert = db.prepare(
      `INSERT INTO quota_samples (account, source, window, used_percent, resets_at, task_id, at)
       VALUES (?, 'statusline', ?, ?, ?, ?, ?)`,
    );
    for (const s of samples) {
      const prev = last.get(s.account, s.window) as
        | { used_percent: number; resets_at: number | null; at: number }
        | undefined;
      const unchanged =
        prev !== undefined &&
        prev.used_percent === s.usedPercent &&
        prev.resets_at === s.resetsAt &&
        now - prev.at < REWRITE_AFTER_MS;
      if (!unchanged) insert.run(s.account, s.window, s.usedPercent, s.resetsAt, s.taskId ?? null, now);
    }
  } finally {
    db.close();
  }
}

let text = "ccm";
try {
  text = main();
} catch {
  // The status line must never break the agent's screen.
}
process.stdout.write(`${text}\n`);
