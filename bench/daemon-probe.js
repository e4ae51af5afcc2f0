// Preloaded into one daemon by bench/daemon.js (`node --expose-gc --import bench/daemon-probe.js bin/ccm.js
// daemon start --foreground`) to explain its figures; nothing else in the daemon changes, and the agents and
// hooks it starts in tmux do not load this file.
// - $CCM_BENCH_TRACE: every child process the daemon starts (git, tmux, through execa) is appended as one
//   JSON line with its start and end (epoch ms, sub-ms precision): where dispatch time goes.
// - $CCM_BENCH_MEMORY: on SIGUSR2, one JSON line with process.memoryUsage() and the V8 heap spaces, before
//   and after a full GC: what the resident memory is made of.
import childProcess from "node:child_process";
import { appendFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import v8 from "node:v8";

const traceFile = process.env.CCM_BENCH_TRACE;
if (traceFile) {
  const original = childProcess.spawn;
  const now = () => performance.timeOrigin + performance.now();
  childProcess.spawn = function tracedSpawn(command, args, options) {
    const start = now();
    const child = original.call(this, command, args, options);
    child.once("close", () => {
      const line = { command, args: Array.isArray(args) ? args : [], start, end: now() };
      appendFileSync(traceFile, `${JSON.stringify(line)}\n`);
    });
    return child;
  };
  // ESM importers (execa: `import { spawn } from "node:child_process"`) see the replacement too.
  syncBuiltinESMExports();
}

const memoryFile = process.env.CCM_BENCH_MEMORY;
if (memoryFile) {
  const spaces = () =>
    Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    );
  process.on("SIGUSR2", () => {
    const before = { ...process.memoryUsage(), spaces: spaces() };
    globalThis.gc?.();
    const after = { ...process.memoryUsage(), spaces: spaces() };
    appendFileSync(memoryFile, `${JSON.stringify({ at: Date.now(), before, after })}\n`);
  });
}
