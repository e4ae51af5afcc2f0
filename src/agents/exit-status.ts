import { constants } from "node:os";
import type { ExitInfo } from "./adapter.js";

/** Whether the process ended cleanly (exit code 0, no signal). */
export function exitedCleanly(exit: ExitInfo): boolean {
  return exit.code === 0 && exit.signal === null;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/** Why a signal usually arrives, for the signals an orchestrator sends or meets. */
const SIGNAL_REASONS: Readonly<Record<string, string>> = {
  SIGTERM: "stopped from outside: a timeout, a cancel or a shutdown",
  SIGINT: "interrupted",
  SIGKILL: "killed: a hard timeout or out of memory",
  SIGHUP: "its terminal closed",
};

/**
 * "exited with code 1", "was ended by SIGTERM (exit 143; stopped from outside: …)". A CLI that traps a
 * signal exits with 128 + the signal number, so such codes are named too.
 */
export function describeExit(exit: ExitInfo): string {
  const signal =
    exit.signal ??
    (exit.code !== null && exit.code > 128 ? (SIGNAL_NAMES.get(exit.code - 128) ?? null) : null);
  if (signal !== null) {
    const details = [
      ...(exit.code === null ? [] : [`exit ${exit.code}`]),
      ...(SIGNAL_REASONS[signal] === undefined ? [] : [SIGNAL_REASONS[signal]]),
    ];
    return `was ended by ${signal}${details.length === 0 ? "" : ` (${details.join("; ")})`}`;
  }
  if (exit.code === null) return "ended without an exit code";
  return `exited with code ${exit.code}`;
}

/** Lines agents print on stderr that never explain a failure. */
const NOISE = /^(warning\b|\[startup\]|ripgrep is not available|usage:|debug\b)/i;
const TELLING = /error|invalid|unknown|not found|please|cannot|can't|must|requires|refus|not running/i;

/**
 * The stderr line that best says what went wrong (one naming an error, else the first that is not a
 * warning banner), colours stripped and cut; undefined when stderr is empty or unknown.
 */
export function stderrSummary(exit: ExitInfo, max = 500): string | undefined {
  const lines = (exit.stderr ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const useful = lines.filter((line) => !NOISE.test(line));
  const best = useful.find((line) => TELLING.test(line)) ?? useful[0] ?? lines.at(-1);
  if (best === undefined) return undefined;
  return best.length > max ? `${best.slice(0, max)}…` : best;
}
