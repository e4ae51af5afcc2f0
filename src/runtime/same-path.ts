import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/** Compares paths the way the file system does: symlinks (e.g. macOS /tmp) resolved where they exist. */
export function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}
