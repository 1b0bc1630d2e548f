// The cost calculator: what a month with N anomaly detections costs on each plan.
import type { Plan } from "../api/types";

export interface PlanCost {
  plan: Plan;
  /** Total in cents, or null when the plan cannot serve that volume (no overage: blocked at 100%). */
  totalCents: number | null;
  baseCents: number;
  overageDetections: number;
  overageCents: number;
  blocked: boolean;
}

export function planCost(plan: Plan, detections: number): PlanCost {
  const n = Math.max(0, Math.floor(Number.isFinite(detections) ? detections : 0));
  const over = Math.max(0, n - plan.included_detections);
  const rate = plan.overage_cents_per_detection;
  const hasOverage = !plan.blocks_at_limit && rate !== null && rate !== undefined && Number(rate) > 0;
  if (over > 0 && !hasOverage) {
    return { plan, totalCents: null, baseCents: plan.price_cents, overageDetections: over, overageCents: 0, blocked: true };
  }
  // Round the overage to whole cents, as an invoice would.
  const overageCents = hasOverage ? Math.round(over * Number(rate)) : 0;
  return { plan, totalCents: plan.price_cents + overageCents, baseCents: plan.price_cents, overageDetections: over, overageCents, blocked: false };
}

/** Every plan's cost, in price order, and the id of the cheapest plan that can serve N. */
export function compareCosts(plans: Plan[], detections: number): { costs: PlanCost[]; cheapest: string | null } {
  const costs = [...plans].sort((a, b) => a.price_cents - b.price_cents).map((p) => planCost(p, detections));
  let cheapest: PlanCost | null = null;
  for (const c of costs) {
    if (c.totalCents === null) continue;
    if (!cheapest || c.totalCents < (cheapest.totalCents as number)) cheapest = c;
  }
  return { costs, cheapest: cheapest?.plan.id ?? null };
}
