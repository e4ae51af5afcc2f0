import { describe, expect, it } from "vitest";
import { limitBreach } from "./limits.js";

const MIB = 1024 * 1024;
const limits = { max_worktree_mb: 10, max_file_mb: 2, max_commits: 5 };

describe("limitBreach", () => {
  it("is null within every limit, including exactly at one", () => {
    expect(
      limitBreach({ bytes: 10 * MIB, files: 3, largest: { path: "a", bytes: 2 * MIB }, commits: 5 }, limits),
    ).toBeNull();
  });

  it("names the limit, the value and the config key", () => {
    expect(limitBreach({ bytes: 11 * MIB, files: 4, largest: null, commits: 0 }, limits)).toMatchObject({
      limit: "max_worktree_mb",
      max: 10,
      value: 11,
    });
    const file = limitBreach(
      { bytes: 3 * MIB, files: 1, largest: { path: "big.bin", bytes: 3 * MIB }, commits: 0 },
      limits,
    );
    expect(file?.message).toBe("big.bin is 3 MiB, over safety.limits.max_file_mb (2)");
    expect(limitBreach({ bytes: 0, files: 0, largest: null, commits: 6 }, limits)?.limit).toBe("max_commits");
  });
});
