import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, type Sandbox, sandbox } from "../helpers/cli.js";

interface Status {
  running: boolean;
  pid: number | null;
  healthy: boolean;
  url: string | null;
  queueDepth: number;
  stalePid: number | null;
  profile: string;
}

const PORT_ANY = "web_ui:\n  port: 0\nprofile: minimal\n";
const started: number[] = [];

afterEach(() => {
  // Never leave a daemon behind, whatever a test did.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
});

function start(s: Sandbox): { pid: number; port: number } {
  const r = s.run(["daemon", "start", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const state = JSON.parse(r.stdout) as { pid: number; port: number };
  started.push(state.pid);
  return state;
}

function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/health", headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Alive and not a zombie (an exited daemon may wait a while for its adoptive parent to reap it). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("daemon lifecycle (real processes, real HTTP on 127.0.0.1)", () => {
  it("starts detached, answers /health, refuses a second start, stops gracefully", async () => {
    using s = sandbox({ config: PORT_ANY });
    const { pid, port } = start(s);
    const status = s.json<Status>(["daemon", "status"]);
    expect(status).toMatchObject({ running: true, pid, healthy: true, queueDepth: 0, profile: "minimal" });

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", pid, queueDepth: 0, running: 0 });

    // fetch() cannot set Host; a raw request can, as a DNS-rebinding page's browser would send it.
    expect(await statusWithHost(port, "evil.example:80")).toBe(403);
    expect(await statusWithHost(port, `localhost:${port}`)).toBe(200);

    const second = s.run(["daemon", "start"]);
    expect(second.code).toBe(6);
    expect(second.stderr).toContain(`already running (pid ${pid})`);

    const logs = s.run(["daemon", "logs", "-n", "20"]);
    expect(logs.stdout).toContain("daemon started");

    const stop = s.run(["daemon", "stop"]);
    expect(stop.stdout).toContain(`daemon stopped (pid ${pid})`);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(s.ccmHome, "run", "daemon.pid"))).toBe(false);
    const after = s.run(["daemon", "status"]);
    expect(after.code).toBe(7);
    expect(after.stdout).toContain("not running");
    expect(readFileSync(join(s.ccmHome, "logs", "daemon.log"), "utf8")).toContain("daemon stopped");
  });

  it("recognises the stale pidfile of a killed daemon and starts again", () => {
    using s = sandbox({ config: PORT_ANY });
    const first = start(s);
    process.kill(first.pid, "SIGKILL");
    const deadline = Date.now() + 5000;
    while (isAlive(first.pid) && Date.now() < deadline) {}
    const status = s.run(["daemon", "status", "--json"]);
    expect(status.code).toBe(7);
    expect((JSON.parse(status.stdout) as Status).stalePid).toBe(first.pid);
    expect(s.run(["daemon", "status"]).stdout).toContain("stale pidfile");
    const second = start(s);
    expect(second.pid).not.toBe(first.pid);
    expect(s.run(["daemon", "stop"]).code).toBe(0);
  });

  it("runs in the foreground until SIGTERM, then cleans up", async () => {
    using s = sandbox({ config: PORT_ANY });
    const child = spawn(process.execPath, [CLI, "daemon", "start", "--foreground"], {
      env: s.env,
      stdio: "pipe",
    });
    if (child.pid) started.push(child.pid);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const deadline = Date.now() + 10_000;
    while (!stderr.includes("daemon running") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain(`pid ${child.pid}`);
    expect(s.json<Status>(["daemon", "status"])).toMatchObject({
      running: true,
      healthy: true,
      pid: child.pid,
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(join(s.ccmHome, "run", "daemon.pid"))).toBe(false);
  });

  it("reports a port in use clearly", () => {
    using s = sandbox({ config: PORT_ANY });
    const { port } = start(s);
    using other = sandbox({ config: `web_ui:\n  port: ${port}\n` });
    const r = other.run(["daemon", "start"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/exited during start-up|already in use/);
    const log = other.run(["daemon", "logs", "--stderr"]).stdout + other.run(["daemon", "logs"]).stdout;
    expect(log).toContain(`port ${port} on 127.0.0.1 is already in use`);
    s.run(["daemon", "stop"]);
  });

  it("logs -f follows the log as the daemon writes it", async () => {
    using s = sandbox({ config: PORT_ANY });
    start(s);
    const follower = spawn(process.execPath, [CLI, "daemon", "logs", "-f", "-n", "1"], {
      env: s.env,
      stdio: "pipe",
    });
    let out = "";
    follower.stdout.on("data", (d) => {
      out += String(d);
    });
    try {
      const until = async (text: string) => {
        const deadline = Date.now() + 10_000;
        while (!out.includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        return out.includes(text);
      };
      expect(await until("daemon started")).toBe(true);
      expect(out).not.toContain("daemon stopped");
      expect(s.run(["daemon", "stop"]).code).toBe(0);
      expect(await until("daemon stopped")).toBe(true);
    } finally {
      follower.kill("SIGKILL");
    }
  });
});
