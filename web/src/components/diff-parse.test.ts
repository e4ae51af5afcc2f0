import { describe, expect, it } from "vitest";
import { parseDiff, sideBySide } from "./diff-parse";

const DIFF = `diff --git a/src/a.ts b/src/a.ts
index 1111111..2222222 100644
--- a/src/a.ts
+++ b/src/a.ts
@@ -1,4 +1,4 @@ export function a() {
 const x = 1;
-const y = 2;
-const z = 3;
+const y = 20;
 return x;
+// end
diff --git a/old.txt b/new.txt
similarity index 90%
rename from old.txt
rename to new.txt
diff --git a/img.png b/img.png
new file mode 100644
index 0000000..3333333
Binary files /dev/null and b/img.png differ
`;

describe("parseDiff", () => {
  it("reads files, statuses, hunks and line numbers from git diff output", () => {
    const files = parseDiff(DIFF);
    expect(files.map((f) => [f.oldPath, f.newPath, f.status, f.binary, f.additions, f.deletions])).toEqual([
      ["src/a.ts", "src/a.ts", "modified", false, 2, 2],
      ["old.txt", "new.txt", "renamed", false, 0, 0],
      ["img.png", "img.png", "added", true, 0, 0],
    ]);
    const lines = files[0]!.hunks[0]!.lines;
    expect(lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ["context", 1, 1],
      ["del", 2, null],
      ["del", 3, null],
      ["add", null, 2],
      ["context", 4, 3],
      ["add", null, 4],
    ]);
  });

  it("pairs deletions with additions for the side-by-side view", () => {
    const rows = sideBySide(parseDiff(DIFF)[0]!.hunks[0]!.lines);
    expect(rows.map(([l, r]) => [l?.text ?? null, r?.text ?? null])).toEqual([
      ["const x = 1;", "const x = 1;"],
      ["const y = 2;", "const y = 20;"],
      ["const z = 3;", null],
      ["return x;", "return x;"],
      [null, "// end"],
    ]);
  });
});
