import { describe, expect, it } from "vitest";
import type { Anomaly } from "../api/types";
import { matchesFilters, mergeAnomalies, newestSeq, severityCounts } from "./feed";

const a = (seq: number, over: Partial<Anomaly> = {}): Anomaly => ({
  id: `id-${seq}`, stream_id: "s1", stream: "checkout-api", event_type: "log", event_excerpt: "x", metadata: null,
  metrics: null, p_value: 0.01, score: 0.9, severity: "high", novel: [], explanation: "", status: "open",
  status_changed_by: null, status_changed_at: null, detected_at: new Date(seq * 1000).toISOString(), seq, ...over,
});

describe("mergeAnomalies", () => {
  it("puts new anomalies first and removes duplicates", () => {
    const list = [a(2), a(1)];
    const next = mergeAnomalies(list, [a(3), a(2)], {});
    expect(next.map((x) => x.seq)).toEqual([3, 2, 1]);
  });
  it("returns the same array when nothing changed (no re-render)", () => {
    const list = [a(2), a(1)];
    expect(mergeAnomalies(list, [a(2)], {})).toBe(list);
  });
  it("replaces an entry whose status changed, and drops it when it leaves the filter", () => {
    const list = [a(1)];
    const acked = mergeAnomalies(list, [a(1, { status: "acknowledged", status_changed_at: "2026-11-29T00:00:00Z" })], {});
    expect(acked[0].status).toBe("acknowledged");
    expect(mergeAnomalies(list, [a(1, { status: "resolved" })], { status: "open" })).toEqual([]);
  });
  it("applies filters to incoming events and caps the list", () => {
    const next = mergeAnomalies([], [a(1, { severity: "low" }), a(2)], { severity: "high" });
    expect(next.map((x) => x.seq)).toEqual([2]);
    expect(mergeAnomalies([], [a(1), a(2), a(3)], {}, 2).map((x) => x.seq)).toEqual([3, 2]);
  });
});

describe("feed helpers", () => {
  it("matches filters by stream name or id", () => {
    expect(matchesFilters(a(1), { stream: "checkout-api" })).toBe(true);
    expect(matchesFilters(a(1), { stream: "s1" })).toBe(true);
    expect(matchesFilters(a(1), { stream: "other" })).toBe(false);
    expect(matchesFilters(a(1), { status: "", severity: "" })).toBe(true);
    expect(matchesFilters(a(100), { since: new Date(50_000).toISOString() })).toBe(true);
    expect(matchesFilters(a(10), { since: new Date(50_000).toISOString() })).toBe(false);
  });
  it("finds the newest seq and counts severities", () => {
    expect(newestSeq([a(5), a(9), a(2)])).toBe("9");
    expect(newestSeq([])).toBeNull();
    expect(severityCounts([a(1), a(2, { severity: "low" })])).toEqual({ high: 1, medium: 0, low: 1 });
  });
});
