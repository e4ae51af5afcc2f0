// Child processes of bench/hooks.js, each reading commands line by line on stdin:
//   --client <port>   a long-running process that POSTs the hook payload on "go" and reports the request's
//                     own time (Claude Code makes http hook requests from its running process);
//   --writer <db> <task> <agent> <count> <batch>   appends events through the hook's own ingest code.
import { Agent, request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = (path) => join(fileURLToPath(new URL("..", import.meta.url)), "dist", path);

if (process.argv[2] === "--writer") await writer(process.argv.slice(3));
else if (process.argv[2] === "--client") await client(Number(process.argv[3]));

async function client(port) {
  const lines = lineReader(process.stdin);
  const { payload, headers } = JSON.parse(await lines.next());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/hooks/PreToolUse",
          method: "POST",
          agent,
          headers: {
            ...headers,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  process.stdout.write("ready\n");
  for (;;) {
    const line = await lines.next();
    if (line === undefined) break;
    const start = process.hrtime.bigint();
    const status = await post();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(`${JSON.stringify({ status, ms })}\n`);
  }
  agent.destroy();
}

async function writer([dbPath, taskId, agentId, count, batch]) {
  const { openHookDb } = await import(dist("hooks/hook-db.js"));
  const { parsePayload } = await import(dist("hooks/payload.js"));
  const { agentUpdateOf, eventRowOf, ingestEvent, inTransaction } = await import(dist("hooks/ingest.js"));
  const lines = lineReader(process.stdin);
  const payload = await lines.next();
  const db = openHookDb(dbPath);
  const context = { taskId: Number(taskId), agentId: Number(agentId), durationMs: null };
  process.stdout.write("ready\n");
  await lines.next();
  const n = Number(count);
  const size = Number(batch);
  let written = 0;
  const one = () => {
    // The hook's per-event work: parse + validate the payload, then insert + agent update.
    const parsed = parsePayload(payload, "PreToolUse");
    ingestEvent(db, eventRowOf(parsed, { ...context, at: Date.now() }), agentUpdateOf(parsed));
    written++;
  };
  while (written < n) {
    if (size <= 1) one();
    else
      inTransaction(db, () => {
        for (let i = 0; i < size && written < n; i++) one();
      });
  }
  db.close();
  process.stdout.write(`${JSON.stringify({ events: written })}\n`);
}

export function lineReader(stream) {
  let buffer = "";
  const queue = [];
  const waiting = [];
  let ended = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buffer += chunk;
    let index = buffer.indexOf("\n");
    while (index >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else queue.push(line);
      index = buffer.indexOf("\n");
    }
  });
  stream.on("end", () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter(undefined);
  });
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift())
        : ended
          ? Promise.resolve(undefined)
          : new Promise((resolve) => waiting.push(resolve)),
  };
}
