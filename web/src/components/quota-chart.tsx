import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";
import { useEffect, useRef } from "react";
import type { Sample } from "../api";

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const COLOURS: Record<string, string> = {
  "five_hour/statusline": "#3b82f6",
  "seven_day/statusline": "#8b5cf6",
  "five_hour/ccusage": "#0ea5a4",
  "seven_day/ccusage": "#65a30d",
  "five_hour/transcripts": "#8a8f98",
  "seven_day/transcripts": "#b0b4bb",
};
const LABEL: Record<string, string> = { five_hour: "5-hour", seven_day: "7-day" };

const time = (ms: number, span: number) =>
  new Date(ms).toLocaleString(
    [],
    span > 36 * 3_600_000 ? { weekday: "short", hour: "2-digit" } : { hour: "2-digit", minute: "2-digit" },
  );

/**
 * Used % over time, one line per window and source (the source in force is the best one with a reading),
 * with the warning and critical thresholds drawn across. Loaded on demand: Chart.js is the heavy part.
 */
export function QuotaChart({
  samples,
  thresholds,
  since,
  until,
}: {
  samples: Sample[];
  thresholds: { warningPercent: number; criticalPercent: number };
  since: number;
  until: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const style = getComputedStyle(document.documentElement);
    const muted = style.getPropertyValue("--muted").trim() || "#666";
    const line = style.getPropertyValue("--line").trim() || "#ddd";
    const groups = new Map<string, { x: number; y: number }[]>();
    for (const s of samples) {
      const key = `${s.window}/${s.source}`;
      groups.set(key, [...(groups.get(key) ?? []), { x: s.at, y: s.usedPercent }]);
    }
    const threshold = (label: string, y: number, colour: string) => ({
      label,
      data: [
        { x: since, y },
        { x: until, y },
      ],
      borderColor: colour,
      borderDash: [6, 4],
      borderWidth: 1,
      pointRadius: 0,
    });
    const span = until - since;
    const chart = new Chart(canvas.current!, {
      type: "line",
      data: {
        datasets: [
          ...[...groups].map(([key, data]) => {
            const [window, source] = key.split("/") as [string, string];
            return {
              label: `${LABEL[window] ?? window} (${source})`,
              data,
              borderColor: COLOURS[key] ?? muted,
              backgroundColor: COLOURS[key] ?? muted,
              pointRadius: data.length > 60 ? 0 : 2,
              stepped: "before" as const,
            };
          }),
          threshold(`warning ${thresholds.warningPercent}%`, thresholds.warningPercent, "#d89614"),
          threshold(`critical ${thresholds.criticalPercent}%`, thresholds.criticalPercent, "#d64545"),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        color: muted,
        scales: {
          x: {
            type: "linear",
            min: since,
            max: until,
            grid: { color: line },
            ticks: { color: muted, maxTicksLimit: 6, callback: (v) => time(Number(v), span) },
          },
          y: {
            min: 0,
            max: 100,
            grid: { color: line },
            ticks: { color: muted, callback: (v) => `${v}%` },
          },
        },
        plugins: {
          legend: { labels: { color: muted, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => new Date(items[0]?.parsed.x ?? 0).toLocaleString(),
              label: (item) => `${item.dataset.label}: ${item.parsed.y}%`,
            },
          },
        },
      },
    });
    return () => chart.destroy();
  }, [samples, thresholds, since, until]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label="Quota usage history: used percent over time per window" />
    </div>
  );
}
