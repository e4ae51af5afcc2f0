#!/usr/bin/env node
// Plain JavaScript that any Node runs, so an old Node gets a clear message instead of a crash.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `error: ccm needs Node.js >= 22.18; this is ${process.versions.node} (${process.execPath})\n` +
      "hint: install a current Node.js (e.g. Node 24 LTS) and run ccm with it.\n",
  );
  process.exit(1);
}
// Cache compiled code between runs (Node >= 22.1): the CLI starts noticeably faster from the second run on.
const { default: module } = await import("node:module");
module.enableCompileCache?.();
const { main } = await import("../dist/cli/main.js");
await main();
