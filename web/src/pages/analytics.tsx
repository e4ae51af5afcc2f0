import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef, useState } from "react";
import { api } from "../api";
import { Card, ErrorNote } from "../components/bits";
import { useLoad } from "../util";

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

interface Analytics {
  durations: { taskId: number; title: string; state: string; seconds: number }[];
  outcomes: { day: string; merged: number; failed: number; rejected: number; cancelled: number }[];
  successRate: number | null;
  eventsPerHour: { hour: string; events: number; blocked: number }[];
  usage: { day: string; inputTokens: number; outputTokens: number; costUsd: number }[];
}

function ChartBox({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const style = getComputedStyle(document.documentElement);
    Chart.defaults.color = style.getPropertyValue("--muted").trim() || "#666";
    Chart.defaults.borderColor = style.getPropertyValue("--line").trim() || "#ddd";
    const chart = new Chart(canvas.current!, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
    });
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

const C = {
  green: "#2e9e5b",
  red: "#d64545",
  amber: "#d89614",
  grey: "#8a8f98",
  blue: "#3b82f6",
  violet: "#8b5cf6",
};

export function AnalyticsPage() {
  const [days, setDays] = useState(14);
  const data = useLoad(() => api.get<Analytics>(`/api/analytics?days=${days}`), String(days));
  const a = data.data;
  return (
    <section>
      <h1>Analytics</h1>
      <label className="inline">
        Period{" "}
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={1}>1 day</option>
          <option value={7}>7 days</option>
          <option value={14}>14 days</option>
          <option value={30}>30 days</option>
          <option value={90}>90 days</option>
        </select>
      </label>
      <ErrorNote error={data.error} />
      {a && (
        <div className="grid two">
          <Card title="Success rate">
            <p className="big" data-testid="success-rate">
              {a.successRate === null ? "–" : `${Math.round(a.successRate * 100)}%`}
            </p>
            <p className="muted">merged ÷ (merged + failed + rejected), tasks finished in the period</p>
            <ChartBox
              label="Outcomes per day"
              config={{
                type: "bar",
                data: {
                  labels: a.outcomes.map((o) => o.day),
                  datasets: [
                    { label: "merged", data: a.outcomes.map((o) => o.merged), backgroundColor: C.green },
                    { label: "failed", data: a.outcomes.map((o) => o.failed), backgroundColor: C.red },
                    { label: "rejected", data: a.outcomes.map((o) => o.rejected), backgroundColor: C.amber },
                    { label: "cancelled", data: a.outcomes.map((o) => o.cancelled), backgroundColor: C.grey },
                  ],
                },
                options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
              }}
            />
          </Card>
          <Card title="Task durations">
            <ChartBox
              label="Task durations in minutes"
              config={{
                type: "bar",
                data: {
                  labels: a.durations.map((d) => `#${d.taskId}`),
                  datasets: [
                    {
                      label: "minutes",
                      data: a.durations.map((d) => Math.round((d.seconds / 60) * 10) / 10),
                      backgroundColor: a.durations.map((d) =>
                        d.state === "merged" ? C.green : d.state === "failed" ? C.red : C.grey,
                      ),
                    },
                  ],
                },
                options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
              }}
            />
          </Card>
          <Card title="Events per hour">
            <ChartBox
              label="Events per hour, last 48 hours"
              config={{
                type: "line",
                data: {
                  labels: a.eventsPerHour.map((e) => e.hour.slice(5).replace("T", " ")),
                  datasets: [
                    {
                      label: "events",
                      data: a.eventsPerHour.map((e) => e.events),
                      borderColor: C.blue,
                      backgroundColor: C.blue,
                    },
                    {
                      label: "blocked",
                      data: a.eventsPerHour.map((e) => e.blocked),
                      borderColor: C.red,
                      backgroundColor: C.red,
                    },
                  ],
                },
                options: { scales: { y: { beginAtZero: true } } },
              }}
            />
          </Card>
          <Card title="Tokens and cost per day">
            <ChartBox
              label="Tokens and cost per day"
              config={
                {
                  type: "bar",
                  data: {
                    labels: a.usage.map((u) => u.day),
                    datasets: [
                      {
                        label: "input tokens",
                        data: a.usage.map((u) => u.inputTokens),
                        backgroundColor: C.blue,
                        yAxisID: "tokens",
                      },
                      {
                        label: "output tokens",
                        data: a.usage.map((u) => u.outputTokens),
                        backgroundColor: C.violet,
                        yAxisID: "tokens",
                      },
                      {
                        type: "line",
                        label: "cost (USD)",
                        data: a.usage.map((u) => Math.round(u.costUsd * 100) / 100),
                        borderColor: C.amber,
                        backgroundColor: C.amber,
                        yAxisID: "cost",
                      },
                    ],
                  },
                  options: {
                    scales: {
                      tokens: { type: "linear", position: "left", beginAtZero: true },
                      cost: {
                        type: "linear",
                        position: "right",
                        beginAtZero: true,
                        grid: { drawOnChartArea: false },
                      },
                    },
                  },
                } as ChartConfiguration
              }
            />
            <p className="muted">As the agents report it (Claude Code's result usage and cost).</p>
          </Card>
        </div>
      )}
    </section>
  );
}
