// The process Claude Code (and Gemini CLI) runs for every hook event: `<node> <pkg>/dist/hooks/entry.js
// <EventName>`. It only turns on Node's compile cache for the bundled hook, then runs it (hook-main.ts):
// compiling the ~136 KB bundle afresh cost ~4 ms of every call, reading it from the cache ~0.5 ms.
// The cache lives in CCM_HOME (user-only), which the daemon sets for every agent; without it, no cache.
// Nothing here may throw: a broken cache must never cost the hook.
try {
  const home = process.env.CCM_HOME;
  if (home) process.getBuiltinModule("node:module").enableCompileCache?.(`${home}/cache/hook-compile`);
} catch {
  // Best effort only.
}
await import("./hook-main.js");
