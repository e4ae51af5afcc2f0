import type { Config } from "../config/load.js";
import type { CcmPaths } from "../config/paths.js";
import { startDaemon } from "./daemon.js";
import type { DaemonState } from "./state.js";
import { wireRunner } from "./wiring.js";

/**
 * Runs the daemon in this process until SIGTERM or SIGINT, with the real runner; what both `ccm daemon start
 * --foreground` and the daemon's own entry (main.ts) do. Resolves once it has stopped.
 */
export async function runInForeground(options: {
  paths: CcmPaths;
  config: Config;
  version: string;
  onStarted?: (state: DaemonState) => void;
}): Promise<void> {
  const running = await startDaemon({
    paths: options.paths,
    config: options.config,
    version: options.version,
    createRunner: wireRunner,
  });
  options.onStarted?.(running.state);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      void running.stop(signal).then(resolve);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
