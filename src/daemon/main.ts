// The daemon process's own entry: what `ccm daemon start` spawns and the service units run
// (`<node> <flags> dist/daemon/main.js daemon start --foreground`; the trailing words are the markers by
// which a pid is recognised as ours, see pidfile.ts). It loads only what the daemon needs: started through
// the CLI, the whole command tree came along, ~4 MiB of the daemon's resident memory for nothing.
// Errors go to stderr (daemon.stderr.log) as the CLI prints them, with the same exit codes.

import { loadConfig } from "../config/load.js";
import { resolvePaths } from "../config/paths.js";
import { EXIT_CODES, isCcmError } from "../errors.js";
import { packageVersion } from "../version.js";
import { runInForeground } from "./foreground.js";

try {
  const paths = resolvePaths(process.env);
  const loaded = loadConfig({ paths, env: process.env });
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  await runInForeground({
    paths,
    config: loaded.config,
    version: packageVersion(),
    onStarted: (state) =>
      process.stderr.write(`ccm daemon running (pid ${process.pid}) on http://${state.host}:${state.port}\n`),
  });
} catch (error) {
  if (isCcmError(error)) {
    process.stderr.write(`error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`);
    process.exitCode = EXIT_CODES[error.code];
  } else {
    process.stderr.write(`error: unexpected failure: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  }
}
