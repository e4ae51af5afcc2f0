import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { strictConfigSchema } from "./schema.js";

/** Writes a file so readers see either the old or the new content, never half of it. User-only by default. */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** The JSON Schema for config.yaml, written next to it so editors (yaml-language-server) can validate. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(strictConfigSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "ccm-orchestrator config.yaml" }, null, 2)}\n`;
}

export interface InitialConfig {
  profile: "full" | "minimal";
  hostname: string;
  systemId: string;
  supabase: boolean;
}

/** The config file `daemon init` writes: every key with the spec's defaults, commented. */
export function renderConfigYaml(c: InitialConfig): string {
  return `# yaml-language-server: $schema=./config.schema.json
# ccm-orchestrator configuration. Check it with \`ccm config validate\`; edit it with \`ccm config edit\`.
profile: ${c.profile}  # full (web UI + API) | minimal (API only)

system:
  id: ${JSON.stringify(c.systemId)}
  hostname: ${JSON.stringify(c.hostname)}
  type: developer  # developer | devops | business
  tags: []

database:
  # sqlite_path: ~/.ccm/ccm.db  # default: ccm.db in CCM_HOME

supabase:
  # The optional multi-machine hub is not built yet; ccm runs local-only.
  enabled: false
  # url: https://xxx.supabase.co
  # auth_file: ~/.ccm/auth.json

sync:
  enabled: false
  interval_seconds: 10
  max_retries: 5
  conflict_resolution: last_write_wins  # last_write_wins | manual

web_ui:
  enabled: ${c.profile === "full"}
  host: 127.0.0.1
  port: 8765

agents:
  max_concurrent: 10  # agents running at once
  max_idle_time: 300  # seconds before an idle agent is ended
  tmux_session_name: ccm

daemon:
  log_level: info  # debug | info | warning | error
  # log_file: ~/.ccm/logs/daemon.log  # default: logs/daemon.log in CCM_HOME
  health_check_interval: 60  # seconds

resources:
  max_agents: 10
  max_agent_memory_mb: 2048
  max_tmux_windows: 20
  max_queue_size: 1000
  max_supabase_connections: 5
  connection_pool_size: 10
`;
}
