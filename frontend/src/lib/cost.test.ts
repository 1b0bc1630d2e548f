import { describe, expect, it } from "vitest";
import type { Plan } from "../api/types";
import { compareCosts, planCost } from "./cost";

const plans: Plan[] = [
  { id: "growth", name: "Growth", price_cents: 24900, included_detections: 500000, overage_cents_per_detection: 0.05 },
  { id: "developer", name: "Developer", price_cents: 0, included_detections: 1000, overage_cents_per_detection: null },
  { id: "standard", name: "Standard", price_cents: 4900, included_detections: 50000, overage_cents_per_detection: 0.1 },
];

describe("planCost", () => {
  it("is the base price within the included amount", () => {
    expect(planCost(plans[2], 50000)).toMatchObject({ totalCents: 4900, overageDetections: 0, blocked: false });
  });
  it("adds overage per detection, rounded to cents", () => {
    // 10,001 over at 0.1 cent = 1000.1 cents -> 1000
    expect(planCost(plans[2], 60001)).toMatchObject({ totalCents: 5900, overageDetections: 10001, overageCents: 1000 });
  });
  it("marks Developer as blocked past 1,000 (no overage)", () => {
    expect(planCost(plans[1], 1000)).toMatchObject({ totalCents: 0, blocked: false });
    expect(planCost(plans[1], 1001)).toMatchObject({ totalCents: null, blocked: true, overageDetections: 1 });
  });
  it("honours blocks_at_limit even when a rate is set, and numeric strings from PostgREST", () => {
    expect(planCost({ ...plans[2], blocks_at_limit: true }, 50001).blocked).toBe(true);
    expect(planCost({ ...plans[2], overage_cents_per_detection: "0.1" as unknown as number }, 50010).overageCents).toBe(1);
  });
  it("treats bad input as zero", () => {
    expect(planCost(plans[2], -5).totalCents).toBe(4900);
    expect(planCost(plans[2], NaN).totalCents).toBe(4900);
  });
});

describe("compareCosts", () => {
  it("orders by price and picks the cheapest plan that can serve the volume", () => {
    expect(compareCosts(plans, 500).cheapest).toBe("developer");
    expect(compareCosts(plans, 5000).cheapest).toBe("standard");
    // Standard at 400,000: 4900 + 350,000 * 0.1 = 39,900 > Growth 24,900
    const r = compareCosts(plans, 400000);
    expect(r.costs.map((c) => c.plan.id)).toEqual(["developer", "standard", "growth"]);
    expect(r.cheapest).toBe("growth");
  });
  it("has no cheapest plan when there are none", () => {
    expect(compareCosts([], 10).cheapest).toBeNull();
  });
});
