// The process Claude Code (and Gemini CLI) runs for every hook event: `<node> <pkg>/dist/hooks/entry.js
// <EventName>`. It runs the bundled hook (hook-main.ts, built as a classic script) from a V8 code cache:
// compiling the ~136 KB bundle and then each function the guard calls on first use cost ~5 ms of every
// call; a cache created *after* a PreToolUse ran holds all of them (measured 1.31x -> 1.18x bare node).
// The cache lives in CCM_HOME/cache (user-only), named by Node version and the bundle's size and mtime; V8
// rejects a cache that does not match the source, and a rejected or missing one is rewritten by the next
// PreToolUse (atomically; older builds' caches are removed then). Without CCM_HOME there is no cache.
// Nothing here may fail the hook.
const fs = process.getBuiltinModule("node:fs");
const vm = process.getBuiltinModule("node:vm");

const bundleUrl = new URL("./hook-main.js", import.meta.url);
const bundle = decodeURIComponent(bundleUrl.pathname);
const code = fs.readFileSync(bundle, "utf8");
(globalThis as { __ccmHookUrl?: string }).__ccmHookUrl = bundleUrl.href;

let cacheFile: string | undefined;
let cachedData: Buffer | undefined;
const home = process.env.CCM_HOME;
if (home) {
  try {
    const stat = fs.statSync(bundle);
    cacheFile = `${home}/cache/hook-v8-${process.version}-${stat.size}-${Math.trunc(stat.mtimeMs)}`;
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet (or no CCM_HOME folder): compile from source.
  }
}
const script = new vm.Script(code, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
if (
  cacheFile &&
  (cachedData === undefined || script.cachedDataRejected) &&
  process.argv[2] === "PreToolUse"
) {
  const target = cacheFile;
  process.once("exit", () => {
    try {
      fs.mkdirSync(`${home}/cache`, { recursive: true, mode: 0o700 });
      const temporary = `${target}.${process.pid}`;
      fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temporary, target);
      // Caches of earlier builds (another size or mtime) are of no use any more.
      const name = target.slice(target.lastIndexOf("/") + 1);
      for (const old of fs.readdirSync(`${home}/cache`)) {
        if (old !== name && /^hook-v8-v[\d.]+-\d+-\d+$/.test(old))
          fs.rmSync(`${home}/cache/${old}`, { force: true });
      }
    } catch {
      // Best effort: the next PreToolUse tries again.
    }
  });
}
script.runInThisContext();
