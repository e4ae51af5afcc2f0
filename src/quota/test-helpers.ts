import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** For tests: transcript lines in the real compact shape Claude Code writes (headless reference §11). */

export interface AssistantLineOptions {
  at: number;
  messageId: string;
  requestId?: string | null;
  input?: number;
  output?: number;
  cacheCreation?: number;
  cacheRead?: number;
  sessionId?: string;
  text?: string;
  model?: string;
}

export function assistantLine(o: AssistantLineOptions): string {
  return JSON.stringify({
    parentUuid: "2b1c0d7e-0000-4000-8000-000000000001",
    isSidechain: false,
    userType: "external",
    entrypoint: "sdk-cli",
    cwd: "/home/dev/shop",
    sessionId: o.sessionId ?? "7f3c2a10-5b1e-4c8e-9a44-2d1f0e6b9c01",
    version: "2.1.330",
    gitBranch: "main",
    type: "assistant",
    uuid: `9d8e${o.messageId}`,
    timestamp: new Date(o.at).toISOString(),
    ...(o.requestId === null ? {} : { requestId: o.requestId ?? `req_${o.messageId}` }),
    message: {
      id: o.messageId,
      type: "message",
      role: "assistant",
      model: o.model ?? "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: o.text ?? "Done." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: o.input ?? 12,
        output_tokens: o.output ?? 85,
        cache_creation_input_tokens: o.cacheCreation ?? 0,
        cache_read_input_tokens: o.cacheRead ?? 0,
        service_tier: "standard",
      },
    },
  });
}

export function userLine(at: number, text: string): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: "external",
    cwd: "/home/dev/shop",
    sessionId: "7f3c2a10-5b1e-4c8e-9a44-2d1f0e6b9c01",
    version: "2.1.330",
    type: "user",
    message: { role: "user", content: text },
    uuid: "u1",
    timestamp: new Date(at).toISOString(),
    promptId: "p1",
  });
}

export function appendLines(file: string, lines: readonly string[], trailingNewline = true): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, lines.join("\n") + (trailingNewline ? "\n" : ""));
}
