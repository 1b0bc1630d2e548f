// Keeping the live feed's list in order as pages, stream events and polls arrive.
import type { Anomaly, AnomalyFilters } from "../api/types";

export function matchesFilters(a: Anomaly, f: AnomalyFilters): boolean {
  if (f.stream && a.stream !== f.stream && a.stream_id !== f.stream) return false;
  if (f.severity && a.severity !== f.severity) return false;
  if (f.status && a.status !== f.status) return false;
  if (f.since && Date.parse(a.detected_at) < Date.parse(f.since)) return false;
  return true;
}

function newerFirst(a: Anomaly, b: Anomaly): number {
  if (typeof a.seq === "number" && typeof b.seq === "number" && a.seq !== b.seq) return b.seq - a.seq;
  return (Date.parse(b.detected_at) || 0) - (Date.parse(a.detected_at) || 0);
}

/**
 * Merges incoming anomalies into the list: newest first, one entry per id (the incoming copy
 * wins, so status changes show), only those matching the filters, at most `cap` entries.
 */
export function mergeAnomalies(list: Anomaly[], incoming: Anomaly[], filters: AnomalyFilters, cap = 500): Anomaly[] {
  const byId = new Map<string, Anomaly>();
  for (const a of list) byId.set(a.id, a);
  let changed = false;
  for (const a of incoming) {
    if (!a || typeof a.id !== "string") continue;
    const prev = byId.get(a.id);
    if (!matchesFilters(a, filters)) {
      if (prev) { byId.delete(a.id); changed = true; }
      continue;
    }
    if (prev && prev.status === a.status && prev.status_changed_at === a.status_changed_at) continue;
    byId.set(a.id, a);
    changed = true;
  }
  if (!changed && byId.size === list.length) return list;
  return [...byId.values()].sort(newerFirst).slice(0, cap);
}

/** The newest sequence number in a list, as a Last-Event-ID. */
export function newestSeq(list: Anomaly[]): string | null {
  let max: number | null = null;
  for (const a of list) if (typeof a.seq === "number" && (max === null || a.seq > max)) max = a.seq;
  return max === null ? null : String(max);
}

/** Counts for the feed header. */
export function severityCounts(list: Anomaly[]): Record<"high" | "medium" | "low", number> {
  const c = { high: 0, medium: 0, low: 0 };
  for (const a of list) if (a.severity in c) c[a.severity]++;
  return c;
}
