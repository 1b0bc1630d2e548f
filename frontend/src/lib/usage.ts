// Turning GET /usage into the usage chart's series.
import type { Usage } from "../api/types";

export const DEFAULT_THRESHOLDS = [70, 90, 100, 120];

export interface UsageSeries {
  /** Unix seconds, one per day of the period. */
  x: number[];
  /** Cumulative anomaly detections to date; null for days still ahead. */
  cumulative: (number | null)[];
  /** Anomalies detected that day; null for days still ahead. */
  daily: (number | null)[];
  thresholds: { percent: number; value: number }[];
}

const DAY = 86400;

function dayStart(iso: string): number {
  const t = Date.parse(iso.length <= 10 ? `${iso}T00:00:00Z` : iso);
  return Math.floor(t / 1000 / DAY) * DAY;
}

export function usageSeries(u: Usage): UsageSeries {
  const start = dayStart(u.period_start);
  const endRaw = Date.parse(u.period_end) / 1000;
  // period_end is exclusive when it falls on midnight.
  const end = Number.isFinite(endRaw) ? Math.max(start, Math.ceil(endRaw / DAY) * DAY - DAY) : start + 29 * DAY;
  const perDay = new Map<number, number>();
  let lastDay = -Infinity;
  for (const d of u.daily ?? []) {
    const t = dayStart(d.day);
    perDay.set(t, (perDay.get(t) ?? 0) + (d.anomalies ?? 0));
    lastDay = Math.max(lastDay, t);
  }
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const known = Math.max(lastDay, Math.min(today, end));
  const x: number[] = [];
  const cumulative: (number | null)[] = [];
  const daily: (number | null)[] = [];
  let sum = 0;
  for (let t = start; t <= end && x.length < 400; t += DAY) {
    x.push(t);
    if (t <= known) {
      const n = perDay.get(t) ?? 0;
      sum += n;
      cumulative.push(sum);
      daily.push(n);
    } else {
      cumulative.push(null);
      daily.push(null);
    }
  }
  const thresholds = (u.thresholds?.length ? u.thresholds : DEFAULT_THRESHOLDS).map((percent) => ({
    percent,
    value: Math.round((u.included * percent) / 100),
  }));
  return { x, cumulative, daily, thresholds };
}

/** The usage bar's tone for a percent used. */
export function usageTone(percent: number, blocked: boolean): "ok" | "warn" | "danger" {
  if (blocked || percent >= 100) return "danger";
  if (percent >= 70) return "warn";
  return "ok";
}

/** Colour of each alert line: amber for early warnings, deepening red from 100%. */
export function thresholdColor(p: number): string {
  if (p >= 120) return "#7f1d1d";
  if (p >= 100) return "#b91c1c";
  if (p >= 90) return "#c2410c";
  return "#a16207";
}
