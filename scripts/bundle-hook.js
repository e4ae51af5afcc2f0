// Bundles the hook (src/hooks/hook-main.ts and the modules it imports) into one file,
// dist/hooks/hook-main.js, replacing tsc's copy; dist/hooks/entry.js (tsc's) turns on the compile cache and
// imports it. Claude Code runs it before every tool call; measured on
// Node 24 here, loading the ten small ES modules separately costs ~3 ms more per call than one file
// (~15% of bare Node start-up). The build fails if anything outside src/hooks/ gets pulled in.
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const root = fileURLToPath(new URL("..", import.meta.url));
const hooksDir = resolve(root, "src", "hooks");
// The guard's pure core (src/safety/) is bundled too; nothing else outside src/hooks/ may be.
const allowedDirs = [hooksDir, resolve(root, "src", "safety")];

const result = await build({
  input: resolve(hooksDir, "hook-main.ts"),
  platform: "node",
  external: [/^node:/],
  logLevel: "warn",
  // A classic script (IIFE), not a module: entry.js compiles it with vm.Script so V8's code cache, written
  // after a PreToolUse ran, holds the functions that call compiled (a module's compile cache holds only what
  // was compiled at load). import.meta does not exist there: entry.js provides the bundle's URL instead.
  transform: { define: { "import.meta.url": "globalThis.__ccmHookUrl" } },
  output: { file: resolve(root, "dist", "hooks", "hook-main.js"), format: "iife" },
});

for (const chunk of result.output) {
  if (chunk.type !== "chunk") continue;
  const outside = chunk.moduleIds.filter((id) =>
    allowedDirs.every((dir) => relative(dir, id).startsWith("..")),
  );
  const imports = chunk.imports.filter((id) => !id.startsWith("node:"));
  if (outside.length > 0 || imports.length > 0) {
    process.stderr.write(
      `bundle-hook: the hook entry must use only node: built-ins and src/hooks/ or src/safety/ modules; found ${[
        ...outside,
        ...imports,
      ].join(", ")}\n`,
    );
    process.exit(1);
  }
}
