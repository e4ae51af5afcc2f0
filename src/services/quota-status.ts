import type { Store } from "../store/db.js";

/**
 * What the dashboard's quota gauge and GET /api/quota show. The quota work (issue 6, src/services/quota.ts)
 * is not merged yet: until it is, this says there is no data rather than inventing a number. Re-point
 * `readQuotaStatus` at it when it lands; nothing else in the server or UI needs to change.
 */
export type QuotaStatus =
  | { available: false; message: string }
  | {
      available: true;
      /** 0..1 of the current window used. */
      utilisation: number;
      state: "ok" | "warning" | "critical" | "paused";
      windowEndsAt: number | null;
      source: string;
      sampledAt: number;
    };

export function readQuotaStatus(_store: Store): QuotaStatus {
  return { available: false, message: "no quota data yet" };
}
