import type { NewSample, QuotaWindow } from "./samples.js";

/**
 * The status-line payload (hooks reference §11): Claude Code pipes it to the `statusLine` command of an
 * interactive session. For Pro/Max logins it carries `rate_limits.five_hour` / `seven_day` with
 * `used_percentage` and `resets_at` (epoch seconds): Anthropic's own figures, the best source there is.
 * Pure: parsing and the one line of text we print back.
 */

export interface StatusLineReading {
  window: QuotaWindow;
  usedPercent: number;
  resetsAt: number | null;
}

export interface ParsedStatusLine {
  sessionId: string | undefined;
  transcriptPath: string | undefined;
  model: string | undefined;
  readings: StatusLineReading[];
}

const WINDOWS: readonly QuotaWindow[] = ["five_hour", "seven_day"];

export function parseStatusLine(text: string): ParsedStatusLine | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const limits = (typeof d.rate_limits === "object" && d.rate_limits !== null ? d.rate_limits : {}) as Record<
    string,
    unknown
  >;
  const readings: StatusLineReading[] = [];
  for (const window of WINDOWS) {
    const w = limits[window] as { used_percentage?: unknown; resets_at?: unknown } | undefined;
    if (typeof w !== "object" || w === null) continue;
    const used = Number(w.used_percentage);
    if (typeof w.used_percentage !== "number" && typeof w.used_percentage !== "string") continue;
    if (!Number.isFinite(used) || used < 0) continue;
    const resets = Number(w.resets_at);
    readings.push({
      window,
      usedPercent: used,
      // Epoch seconds; tolerate milliseconds.
      resetsAt: Number.isFinite(resets) && resets > 0 ? (resets < 1e12 ? resets * 1000 : resets) : null,
    });
  }
  const model = d.model as { display_name?: unknown; id?: unknown } | undefined;
  return {
    sessionId: typeof d.session_id === "string" ? d.session_id : undefined,
    transcriptPath: typeof d.transcript_path === "string" ? d.transcript_path : undefined,
    model:
      typeof model?.display_name === "string"
        ? model.display_name
        : typeof model?.id === "string"
          ? model.id
          : undefined,
    readings,
  };
}

export function samplesOf(parsed: ParsedStatusLine, account: string, taskId: number | null): NewSample[] {
  return parsed.readings.map((r) => ({
    account,
    source: "statusline",
    window: r.window,
    usedPercent: r.usedPercent,
    resetsAt: r.resetsAt,
    taskId,
  }));
}

/** The line shown at the bottom of the agent's TUI, e.g. `ccm #12 · 5h 42% (resets 14:00Z) · 7d 9%`. */
export function statusText(parsed: ParsedStatusLine | undefined, taskId: number | null): string {
  const parts = [taskId === null ? "ccm" : `ccm #${taskId}`];
  if (parsed?.model) parts.push(parsed.model);
  for (const r of parsed?.readings ?? []) {
    const label = r.window === "five_hour" ? "5h" : "7d";
    const reset = r.resetsAt === null ? "" : ` (resets ${new Date(r.resetsAt).toISOString().slice(11, 16)}Z)`;
    parts.push(`${label} ${Math.round(r.usedPercent)}%${r.window === "five_hour" ? reset : ""}`);
  }
  return parts.join(" · ");
}
