// Builds the web UI (web/, React + Vite) into dist/web, which the daemon serves, and gzips the assets next
// to themselves (the daemon serves .gz to browsers that accept it). Prints the bundle sizes.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist", "web");
await build({ configFile: join(root, "web", "vite.config.ts"), logLevel: "warn" });

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(js|css|html|svg|json)$/.test(name)) files.push(path);
  }
};
walk(out);
let raw = 0;
let gz = 0;
for (const file of files) {
  const content = readFileSync(file);
  const zipped = gzipSync(content, { level: 9 });
  writeFileSync(`${file}.gz`, zipped);
  if (file.endsWith(".js")) {
    raw += content.length;
    gz += zipped.length;
  }
}
process.stderr.write(
  `build-web: dist/web JS ${(raw / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzip)\n`,
);
