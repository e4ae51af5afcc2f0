import type { Config } from "../config/load.js";
import type { Store } from "../store/db.js";
import type { Auth } from "./auth.js";
import type { LiveFeed } from "./live-feed.js";

/** What the API routes work with; wired by the daemon (and by tests, in-process). */
export interface ApiDeps {
  store: Store;
  config: Config;
  version: string;
  feed: LiveFeed;
  auth: Auth;
  /** Run a scheduling pass soon (a task was queued or sent back). */
  kick: () => void;
}
