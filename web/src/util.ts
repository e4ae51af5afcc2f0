import { useCallback, useEffect, useState } from "react";

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatAge(at: number, now = Date.now()): string {
  return `${formatDuration(now - at)} ago`;
}

export function formatTime(at: number | null): string {
  if (at === null) return "–";
  return new Date(at).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** Re-renders every `ms` (elapsed-time displays). */
export function useTick(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
  set: (update: (old: T | undefined) => T | undefined) => void;
}

/** Loads once per key and on reload(); keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` fetches; a new closure each render is not a new request
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (live) {
          setData(d);
          setError(undefined);
        }
      },
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, reload, set: setData as Loaded<T>["set"] };
}

const readHash = () => (location.hash.replace(/^#\/?/, "") || "dashboard").split("/").map(decodeURIComponent);

export function useHashRoute(): string[] {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const onChange = () => setRoute(readHash());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function go(path: string): void {
  location.hash = `#/${path}`;
}
