import { sql as initial } from "./0001-initial.js";
import { sql as agentsEvents } from "./0002-agents-events.js";
import { sql as snapshots } from "./0003-snapshots.js";

/**
 * Numbered migrations, applied in order; the schema version is PRAGMA user_version = the number of the
 * last one applied. Never edit a released migration: add the next number.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "agents-events", sql: agentsEvents },
  { version: 3, name: "snapshots", sql: snapshots },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
