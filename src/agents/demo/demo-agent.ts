/**
 * The built-in demo agent (`ccm demo`): a scripted stand-in for a coding agent, clearly labelled, that needs
 * no API key. It behaves like Claude Code in headless mode where ccm can observe it: it prints stream-json
 * lines (system/init, assistant, user tool results, result) and calls the hook command for SessionStart,
 * UserPromptSubmit, PreToolUse/PostToolUse around each tool and Stop, with the documented stdin JSON, so the
 * real hook path, event store and stage machinery run exactly as with a real agent.
 *
 * Usage: node demo-agent.js <stage> <prompt>   (env CCM_HOOK = {"command": ..., "args": [...]})
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [stage = "executing", prompt = ""] = process.argv.slice(2);
const sessionId = randomUUID();
const cwd = process.cwd();
const hook = JSON.parse(process.env.CCM_HOOK ?? "null") as { command: string; args: string[] } | null;
const pause = Number(process.env.CCM_DEMO_STEP_MS ?? 400);
let turns = 0;

// Like Claude Code, the demo keeps a transcript of what it printed (hooks receive its path).
const transcript = process.env.CCM_DEMO_TRANSCRIPT ?? join(tmpdir(), `ccm-demo-${sessionId}.jsonl`);
const emit = (line: object) => {
  const text = `${JSON.stringify(line)}\n`;
  process.stdout.write(text);
  appendFileSync(transcript, text);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the hook command like Claude Code does; returns the block reason when it exits 2. */
function fireHook(event: string, fields: object): string | undefined {
  if (!hook) return undefined;
  const input = JSON.stringify({
    session_id: sessionId,
    transcript_path: transcript,
    cwd,
    hook_event_name: event,
    permission_mode: "bypassPermissions",
    ...fields,
  });
  const result = spawnSync(hook.command, [...hook.args, event], { input, encoding: "utf8", timeout: 30_000 });
  return result.status === 2 ? result.stderr.trim() || "blocked by a hook" : undefined;
}

function say(text: string): void {
  turns++;
  emit({
    type: "assistant",
    session_id: sessionId,
    message: {
      id: `msg_demo_${turns}`,
      role: "assistant",
      model: "ccm-demo",
      content: [{ type: "text", text }],
    },
  });
}

async function tool(name: string, input: Record<string, unknown>, run: () => string): Promise<void> {
  turns++;
  const id = `toolu_demo_${turns}`;
  emit({
    type: "assistant",
    session_id: sessionId,
    message: {
      id: `msg_demo_${turns}`,
      role: "assistant",
      model: "ccm-demo",
      content: [{ type: "tool_use", id, name, input }],
    },
  });
  await sleep(pause);
  const blocked = fireHook("PreToolUse", { tool_name: name, tool_input: input, tool_use_id: id });
  let output: string;
  let isError = false;
  if (blocked) {
    output = `PreToolUse:${name} hook error: ${blocked}`;
    isError = true;
  } else {
    try {
      output = run();
      fireHook("PostToolUse", {
        tool_name: name,
        tool_input: input,
        tool_response: { output },
        tool_use_id: id,
      });
    } catch (error) {
      output = (error as Error).message;
      isError = true;
    }
  }
  emit({
    type: "user",
    session_id: sessionId,
    message: {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: id, content: output, is_error: isError }],
    },
  });
  await sleep(pause);
}

const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

async function main(): Promise<void> {
  fireHook("SessionStart", { source: "startup", model: "ccm-demo" });
  emit({
    type: "system",
    subtype: "init",
    session_id: sessionId,
    cwd,
    model: "ccm-demo",
    tools: ["Bash", "Write"],
    claude_code_version: "ccm-demo",
  });
  fireHook("UserPromptSubmit", { prompt });
  await sleep(pause);
  let text: string;
  if (stage === "planning") {
    text =
      "Plan (demo agent):\n1. Add greeting.txt with a greeting.\n2. Commit it.\n3. The verify command checks the file.";
    say(text);
  } else if (stage === "reviewing") {
    await tool("Bash", { command: "git log --oneline -5" }, () => git("log", "--oneline", "-5"));
    text = "APPROVE\nThe change adds greeting.txt as asked; nothing risky. (review by the demo agent)";
    say(text);
  } else {
    const file = join(cwd, "greeting.txt");
    const content = "Hello from ccm! This file was written by the demo agent.\n";
    await tool("Write", { file_path: file, content }, () => {
      writeFileSync(file, content);
      return `File created successfully at: ${file}`;
    });
    const message = "Add greeting.txt (demo agent)";
    await tool("Bash", { command: `git add greeting.txt && git commit -m "${message}"` }, () => {
      git("add", "greeting.txt");
      return git(
        "-c",
        "user.name=ccm demo agent",
        "-c",
        "user.email=demo@ccm.invalid",
        "commit",
        "-q",
        "-m",
        message,
      );
    });
    text = "Added greeting.txt and committed it.";
    say(text);
  }
  emit({
    type: "result",
    subtype: "success",
    is_error: false,
    result: text,
    session_id: sessionId,
    num_turns: turns,
    duration_ms: 0,
    total_cost_usd: 0,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  fireHook("Stop", { stop_hook_active: false, last_assistant_message: text });
  fireHook("SessionEnd", { reason: "other" });
}

await main();
