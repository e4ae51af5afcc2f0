// The hook itself: what `<node> <pkg>/dist/hooks/entry.js <EventName>` runs (entry.ts turns on Node's
// compile cache, then imports this), the event JSON on stdin. It runs before every tool call, so it must
// start nearly as fast as bare Node (budget: 1.3 x `node -e 0`; bench/hooks.js). What that took, each
// measured on Node 24:
// - the build bundles this file and the modules it imports (src/hooks/, src/safety/) into one
//   dist/hooks/hook-main.js (scripts/bundle-hook.js): ten separate ES modules cost ~3 ms more;
// - no static `import … from "node:…"` on this path: the first costs ~0.7 ms, node:fs ~2.3 ms;
//   process.getBuiltinModule loads a built-in only when used;
// - no zod, config, pino or execa; stdin read and stdout written synchronously (no stream set-up: ~1 ms);
// - once the guard's Bash parser made the bundle ~136 KB, compiling it, and compiling the guard's functions
//   on their first call, cost ~5 ms a call (1.31x bare node with the guard on); entry.ts runs the bundle from
//   a V8 code cache taken after a PreToolUse ran, which holds them all (1.18x);
// - no top-level await: the build makes this a classic script (see scripts/bundle-hook.js).
// This is the only hooks file that writes to stdout or sets the exit code.
import type { DatabaseSync } from "node:sqlite";
import { failClosedEvents, isFailClosed } from "./automations.js";
import { BLOCKING_EVENTS } from "./events.js";
import { createGuardedRunner } from "./guard-runner.js";
import { handleHook, parseId } from "./handle-hook.js";
import { openHookDb } from "./hook-db.js";
import { commandResponse } from "./hook-output.js";
import { createScriptRunner } from "./script-runner.js";

const fs = process.getBuiltinModule("node:fs");

async function main(): Promise<number> {
  const env = process.env;
  const event = process.argv[2];
  let db: DatabaseSync | undefined;
  try {
    const outcome = await handleHook(
      {
        event,
        body: readStdin(),
        taskId: parseId(env.CCM_TASK_ID),
        agentId: parseId(env.CCM_AGENT_ID),
        env,
      },
      {
        db: () => {
          db ??= openHookDb(env.CCM_DB);
          return db;
        },
        runner: createGuardedRunner(createScriptRunner()),
        // Since the process started: the whole cost of this hook, Node's start-up included.
        elapsed: () => performance.now(),
      },
    );
    // Gemini CLI reads no permissionDecision JSON: exit 2 with the reason on stderr is its block.
    const response = commandResponse(outcome.event, outcome.decision, {
      failedClosed: outcome.failedClosed,
      exitCodeBlock: env.CCM_HOOK_AGENT === "gemini-cli",
    });
    const notes = outcome.notes.map((note) => `ccm hook: ${note}\n`).join("");
    write(2, notes + response.stderr);
    write(1, response.stdout);
    return response.exitCode;
  } catch (error) {
    // handleHook never throws; this is the last line of defence (stdin unreadable and the like).
    const message = error instanceof Error ? error.message : String(error);
    const failClosed =
      event !== undefined &&
      BLOCKING_EVENTS.has(event) &&
      isFailClosed(failClosedEvents(env.CCM_FAIL_CLOSED), event);
    write(2, `ccm hook: ${failClosed ? "failed closed" : "failed open"} on ${event ?? "?"}: ${message}\n`);
    return failClosed ? 2 : 0;
  } finally {
    try {
      db?.close();
    } catch {
      // Closing is best effort; the data is committed.
    }
  }
}

/** All of stdin, synchronously; a closed or absent stdin is an empty payload. */
function readStdin(): Buffer {
  try {
    return fs.readFileSync(0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EAGAIN") return readNonBlocking();
    if (code === "EOF" || code === "EBADF" || code === "ENXIO" || code === "EINVAL") return Buffer.alloc(0);
    throw error;
  }
}

/** stdin is a non-blocking pipe (the parent set O_NONBLOCK): poll it with short sleeps until EOF. */
function readNonBlocking(): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const read = fs.readSync(0, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, read)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
  return Buffer.concat(chunks);
}

function write(fd: 1 | 2, text: string): void {
  if (text === "") return;
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
  } catch {
    // Claude Code closed the pipe (it gave up on us): nothing left to tell it.
  }
}

// Exit at once: output is written synchronously, and a stray handle (an automation's grandchild holding a
// pipe) must not keep the agent waiting.
void main().then((code) => process.exit(code));
