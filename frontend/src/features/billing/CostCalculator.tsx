import { useId, useState } from "react";
import type { Plan } from "../../api/types";
import { Card, inputClass } from "../../components/ui";
import { compareCosts } from "../../lib/cost";
import { formatInt, formatMoney, formatUnitPrice } from "../../lib/format";

export function CostCalculator({ plans, initial }: { plans: Plan[]; initial: number }) {
  const [raw, setRaw] = useState(String(Math.max(0, Math.round(initial))));
  const id = useId();
  const n = Math.max(0, Math.floor(Number(raw.replace(/[,\s_]/g, "")) || 0));
  const { costs, cheapest } = compareCosts(plans, n);

  return (
    <Card title="Cost calculator">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">Anomaly detections per month</label>
      <input
        id={id}
        inputMode="numeric"
        className={`mt-1 max-w-xs ${inputClass}`}
        value={raw}
        onChange={(e) => setRaw(e.target.value)}
        aria-describedby={`${id}-hint`}
      />
      <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">Events scored are free; only detected anomalies count.</p>
      <div className="relative mt-4 overflow-x-auto" tabIndex={0} role="region" aria-label="Monthly cost per plan">
        <table className="w-full text-left text-sm" data-testid="cost-table">
          <thead className="text-slate-700">
            <tr>
              <th scope="col" className="py-2 pr-4 font-medium">Plan</th>
              <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Base</th>
              <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Included</th>
              <th scope="col" className="py-2 pr-4 font-medium">Overage</th>
              <th scope="col" className="py-2 font-medium">Monthly total</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {costs.map((c) => (
              <tr key={c.plan.id} className={`border-t border-slate-200 ${c.plan.id === cheapest ? "bg-emerald-50" : ""}`} data-plan={c.plan.id}>
                <th scope="row" className="py-2 pr-4 font-medium text-slate-900">
                  {c.plan.name}
                  {c.plan.id === cheapest && <span className="ml-2 rounded bg-emerald-700 px-1.5 py-0.5 text-xs font-medium text-white">Cheapest</span>}
                </th>
                <td className="hidden py-2 pr-4 tabular-nums sm:table-cell">{formatMoney(c.baseCents)}</td>
                <td className="hidden py-2 pr-4 tabular-nums sm:table-cell">{formatInt(c.plan.included_detections)}</td>
                <td className="py-2 pr-4 tabular-nums">
                  {!c.plan.blocks_at_limit && Number(c.plan.overage_cents_per_detection) > 0
                    ? `${formatInt(c.overageDetections)} × ${formatUnitPrice(c.plan.overage_cents_per_detection as number)} = ${formatMoney(c.overageCents)}`
                    : "none"}
                </td>
                <td className="py-2 font-semibold tabular-nums" data-testid="cost-total">
                  {c.blocked ? <span className="text-red-800">Blocked at {formatInt(c.plan.included_detections)}</span> : formatMoney(c.totalCents ?? 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
