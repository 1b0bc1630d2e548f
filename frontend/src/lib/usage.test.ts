import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Usage } from "../api/types";
import { usageSeries, usageTone } from "./usage";

const usage = (over: Partial<Usage> = {}): Usage => ({
  period_start: "2026-11-01T00:00:00Z", period_end: "2026-12-01T00:00:00Z", plan: "developer", included: 1000,
  events_scored: 5000, anomalies_detected: 30, remaining: 970, percent_used: 3, thresholds: [70, 90, 100, 120],
  alerts_sent: [], soft_cap_passed: false, blocked: false,
  daily: [{ day: "2026-11-02", events: 10, anomalies: 10 }, { day: "2026-11-05", events: 10, anomalies: 20 }],
  ...over,
});

describe("usageSeries", () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(new Date("2026-11-06T12:00:00Z")); });
  afterEach(() => vi.useRealTimers());

  it("has one point per day of the period, cumulative to today and empty after", () => {
    const s = usageSeries(usage());
    expect(s.x.length).toBe(30);
    expect(s.cumulative.slice(0, 7)).toEqual([0, 10, 10, 10, 30, 30, null]);
    expect(s.daily[1]).toBe(10);
  });

  it("places the 70/90/100/120% lines against the included amount", () => {
    expect(usageSeries(usage()).thresholds).toEqual([
      { percent: 70, value: 700 }, { percent: 90, value: 900 }, { percent: 100, value: 1000 }, { percent: 120, value: 1200 },
    ]);
    expect(usageSeries(usage({ thresholds: [] })).thresholds.map((t) => t.percent)).toEqual([70, 90, 100, 120]);
  });
});

describe("usageTone", () => {
  it("warns from 70% and turns red at 100% or when blocked", () => {
    expect(usageTone(50, false)).toBe("ok");
    expect(usageTone(70, false)).toBe("warn");
    expect(usageTone(100, false)).toBe("danger");
    expect(usageTone(10, true)).toBe("danger");
  });
});
