import type { EventRow } from "../api";

function summary(e: EventRow): string {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  const input = p.tool_input as Record<string, unknown> | undefined;
  if (input) {
    const main =
      input.command ?? input.file_path ?? input.path ?? input.pattern ?? input.url ?? input.description;
    return typeof main === "string" ? main : JSON.stringify(input);
  }
  for (const key of ["prompt", "message", "text", "reason", "error"]) {
    if (typeof p[key] === "string") return p[key] as string;
  }
  return "";
}

/** Tool calls with their inputs; blocked actions stand out (and say why). */
export function EventList({ events }: { events: EventRow[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="events" data-testid="events" aria-live="polite">
      {events.map((e) => {
        const blocked = e.decision === "block" || e.event === "permission_denied";
        const text = summary(e);
        return (
          <li key={e.id} className={blocked ? "blocked" : undefined} data-event={e.event}>
            <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>
            <span className="ev">{e.event}</span>
            {e.tool && <span className="tool">{e.tool}</span>}
            {blocked && <strong className="blocked-label">blocked{e.reason ? `: ${e.reason}` : ""}</strong>}
            {text && (
              <details>
                <summary>{text.length > 140 ? `${text.slice(0, 139)}…` : text}</summary>
                <pre>{JSON.stringify(e.payload, null, 2)}</pre>
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}
