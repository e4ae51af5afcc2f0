import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import type { NewSample } from "./samples.js";

/**
 * The second source: `ccusage blocks --json` (pinned ccusage@20.0.20: the newest version whose native
 * packages exist on our registry for linux-x64/arm64 and darwin-x64/arm64 — 20.0.24 and 20.0.26 lack the
 * darwin (and 20.0.26 the linux-x64) binaries there). Run once per account with CLAUDE_CONFIG_DIR set to it,
 * offline (no pricing fetch), with `--token-limit` from config or `max`.
 */

const blockSchema = z.looseObject({
  id: z.string(),
  startTime: z.string(),
  endTime: z.string(),
  isActive: z.boolean(),
  isGap: z.boolean().optional(),
  totalTokens: z.number(),
  tokenLimitStatus: z
    .looseObject({ limit: z.number(), percentUsed: z.number(), projectedUsage: z.number() })
    .nullish(),
});
const outputSchema = z.looseObject({ blocks: z.array(blockSchema) });
export type CcusageBlock = z.infer<typeof blockSchema>;

const require = createRequire(import.meta.url);

/** The launcher script of the installed ccusage (run with our Node), or undefined when not installed. */
export function ccusageEntry(): string | undefined {
  try {
    return join(dirname(require.resolve("ccusage/package.json")), "src", "cli.js");
  } catch {
    return undefined;
  }
}

export interface CcusageRun {
  blocks: CcusageBlock[];
}

export async function runCcusageBlocks(options: {
  account: string;
  tokenLimit: number | "max";
  timeoutMs: number;
  entry?: string;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<CcusageRun> {
  const entry = options.entry ?? ccusageEntry();
  if (!entry) throw new Error("ccusage is not installed");
  const result = await execa(
    process.execPath,
    [entry, "blocks", "--json", "--offline", "--token-limit", String(options.tokenLimit)],
    {
      env: { ...options.env, CLAUDE_CONFIG_DIR: options.account, NO_COLOR: "1", TZ: "UTC" },
      extendEnv: options.env === undefined,
      timeout: options.timeoutMs,
      reject: false,
      stdin: "ignore",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (result.exitCode !== 0) {
    const why = result.timedOut ? "timed out" : `exited ${result.exitCode ?? result.signal}`;
    throw new Error(`ccusage ${why}: ${String(result.stderr).trim().split("\n").at(-1) ?? ""}`);
  }
  const parsed = outputSchema.safeParse(JSON.parse(String(result.stdout)));
  if (!parsed.success) throw new Error(`ccusage printed an unexpected shape: ${parsed.error.message}`);
  return { blocks: parsed.data.blocks };
}

/** The five_hour sample from ccusage's blocks: the active block against the limit in force. */
export function sampleFromBlocks(
  account: string,
  blocks: readonly CcusageBlock[],
  tokenLimit: number | "max",
): NewSample | undefined {
  const real = blocks.filter((b) => !b.isGap);
  const active = real.find((b) => b.isActive);
  const limit =
    typeof tokenLimit === "number" ? tokenLimit : (active?.tokenLimitStatus?.limit ?? largestFinished(real));
  if (limit === undefined || limit <= 0) return undefined;
  const tokens = active?.totalTokens ?? 0;
  return {
    account,
    source: "ccusage",
    window: "five_hour",
    usedPercent: Math.round((tokens / limit) * 10_000) / 100,
    resetsAt: active ? Date.parse(active.endTime) : null,
    tokens,
    tokenLimit: limit,
  };
}

function largestFinished(blocks: readonly CcusageBlock[]): number | undefined {
  const done = blocks.filter((b) => !b.isActive).map((b) => b.totalTokens);
  return done.length > 0 ? Math.max(...done) : undefined;
}
