import { sql as initial } from "./0001-initial.js";
import { sql as agentsEvents } from "./0002-agents-events.js";
import { sql as snapshots } from "./0003-snapshots.js";
import { sql as quota } from "./0004-quota.js";

/**
 * Numbered migrations, applied in order; the schema version is PRAGMA user_version = the number of the
 * last one applied. Never edit a released migration: add the next number. Keep the numbers contiguous:
 * a database at version N has every migration up to N.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "agents-events", sql: agentsEvents },
  { version: 3, name: "snapshots", sql: snapshots },
  { version: 4, name: "quota", sql: quota },
];

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
