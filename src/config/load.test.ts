import { describe, expect, it } from "vitest";
import { configJsonSchema, renderConfigYaml } from "./files.js";
import { parseConfigText } from "./load.js";
import { resolvePaths } from "./paths.js";

const env = { HOME: "/home/u", CCM_HOME: "/home/u/.ccm" };
const paths = resolvePaths(env);
const parse = (text: string) => parseConfigText(text, { file: "/home/u/.ccm/config.yaml", paths, env });

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error("expected an error");
}

describe("config validation", () => {
  it("fills the spec's defaults for an empty file", () => {
    const { config, warnings } = parse("");
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      profile: "full",
      supabase: { enabled: false },
      sync: { enabled: false, interval_seconds: 10, max_retries: 5, conflict_resolution: "last_write_wins" },
      web_ui: { enabled: true, host: "127.0.0.1", port: 8765 },
      agents: { max_concurrent: 10, max_idle_time: 300, tmux_session_name: "ccm" },
      daemon: { log_level: "info", log_file: "/home/u/.ccm/logs/daemon.log", health_check_interval: 60 },
      database: { sqlite_path: "/home/u/.ccm/ccm.db" },
      resources: {
        max_agents: 10,
        max_agent_memory_mb: 2048,
        max_tmux_windows: 20,
        max_queue_size: 1000,
        max_supabase_connections: 5,
        connection_pool_size: 10,
      },
    });
  });

  it("resolves profile-dependent defaults and expands ~", () => {
    const { config } = parse("profile: minimal\ndatabase:\n  sqlite_path: ~/data/x.db\n");
    expect(config.web_ui.enabled).toBe(false);
    expect(config.database.sqlite_path).toBe("/home/u/data/x.db");
    expect(parse("profile: minimal\nweb_ui:\n  enabled: true\n").config.web_ui.enabled).toBe(true);
  });

  it.each([
    ["profile: big", "profile", '"big"'],
    ["agents:\n  max_concurrent: 0", "agents.max_concurrent", "0"],
    ["agents:\n  max_idle_time: 1.5", "agents.max_idle_time", "1.5"],
    ["agents:\n  tmux_session_name: 'a b'", "agents.tmux_session_name", '"a b"'],
    ["web_ui:\n  port: 99999", "web_ui.port", "99999"],
    ["daemon:\n  log_level: loud", "daemon.log_level", '"loud"'],
    ["sync:\n  conflict_resolution: merge", "sync.conflict_resolution", '"merge"'],
    ["supabase:\n  url: not a url", "supabase.url", '"not a url"'],
    ["system:\n  tags: nope", "system.tags", '"nope"'],
    ["resources:\n  max_queue_size: -1", "resources.max_queue_size", "-1"],
    ["web_ui: 5", "web_ui", "5"],
  ])("rejects %j naming the key and the value", (text, key, value) => {
    const error = errorOf(() => parse(text));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain(`${key}:`);
    expect(error.message).toContain(`(got ${value})`);
  });

  it("refuses a YAML alias bomb as invalid config instead of expanding it", () => {
    const bomb = [
      "a: &a [1,1,1,1,1,1,1,1,1]",
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    ].join("\n");
    expect(() => parse(bomb)).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", hint: expect.stringContaining("aliases") }),
    );
  });

  it("says what is allowed for enums", () => {
    expect(errorOf(() => parse("profile: big")).message).toMatch(/"full"\|"minimal"/);
  });

  it("warns about unknown keys at any depth and keeps going", () => {
    const { warnings, config } = parse("extra: 1\nagents:\n  max_concurrnt: 4\n  max_concurrent: 3\n");
    expect([...warnings].sort()).toEqual([
      "unknown key 'agents.max_concurrnt' in /home/u/.ccm/config.yaml is ignored",
      "unknown key 'extra' in /home/u/.ccm/config.yaml is ignored",
    ]);
    expect(config.agents.max_concurrent).toBe(3);
  });

  it("rejects YAML that is not a mapping, duplicate keys and bad syntax", () => {
    expect(errorOf(() => parse("- a\n- b\n")).message).toContain("must be a mapping");
    expect(errorOf(() => parse("profile: full\nprofile: minimal\n")).message).toContain("not valid YAML");
    expect(errorOf(() => parse("a: [1, 2\n")).code).toBe("CONFIG_INVALID");
  });

  it("warns that the hub is not built when supabase is enabled", () => {
    expect(parse("supabase:\n  enabled: true\n").warnings.join()).toContain("not built yet");
  });

  it("the file daemon init writes is valid with no warnings, for both profiles", () => {
    for (const profile of ["full", "minimal"] as const) {
      const text = renderConfigYaml({ profile, hostname: "h", systemId: "id-1", supabase: false });
      const { config, warnings } = parse(text);
      expect(warnings).toEqual([]);
      expect(config).toMatchObject({ profile, system: { hostname: "h", id: "id-1" } });
    }
  });

  it("emits a JSON Schema that knows every section and refuses unknown keys", () => {
    const schema = JSON.parse(configJsonSchema()) as {
      properties: Record<string, { properties?: Record<string, unknown>; additionalProperties?: boolean }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        "agents",
        "automations",
        "daemon",
        "database",
        "notifications",
        "profile",
        "quota",
        "resources",
        "safety",
        "supabase",
        "sync",
        "system",
        "web_ui",
      ].sort(),
    );
    expect(Object.keys(schema.properties.resources?.properties ?? {})).toContain("max_queue_size");
    expect(schema.properties.agents?.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.quota?.properties ?? {})).toEqual(
      expect.arrayContaining([
        "warning_percent",
        "critical_percent",
        "auto_pause",
        "auto_resume",
        "fallback_token_budget",
      ]),
    );
  });
});
