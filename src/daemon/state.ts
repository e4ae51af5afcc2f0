import { readFileSync } from "node:fs";

/** Written by a running daemon to run/daemon.json once it serves; read by `daemon status` and friends. */
export interface DaemonState {
  pid: number;
  host: string;
  port: number;
  startedAt: number;
  version: string;
  profile: string;
}

export function readDaemonState(path: string): DaemonState | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as DaemonState;
    return typeof value.pid === "number" && typeof value.port === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}
