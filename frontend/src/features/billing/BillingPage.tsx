import { useState } from "react";
import { getSubscription, getUsage, openBillingPortal, startCheckout } from "../../api/endpoints";
import type { Plan, Subscription } from "../../api/types";
import { Badge, Button, Card, EmptyState, ErrorState, InlineError, PageHeader, Skeleton } from "../../components/ui";
import { formatDate, formatInt, formatMoney, formatUnitPrice, titleCase } from "../../lib/format";
import { useLocation, useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { canManage, useAuth } from "../auth/AuthProvider";
import { CostCalculator } from "./CostCalculator";

/** Leaves the dashboard for Stripe. A seam so browser tests can see where we would go. */
export function goToStripe(url: string): void {
  window.location.assign(url);
}

export function BillingPage() {
  useTitle("Billing");
  const res = useAsync((signal) => getSubscription({ signal }), []);
  const usage = useAsync((signal) => getUsage({ signal }).catch(() => null), []);
  const { query } = useLocation();
  const checkout = query.get("checkout");

  return (
    <>
      <PageHeader title="Billing" subtitle="Your plan, invoices and what a month would cost." />
      {checkout === "success" && (
        <p role="status" className="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">
          Thanks! Your upgrade is confirmed as soon as Stripe tells us; this page updates then.
        </p>
      )}
      {checkout === "cancelled" && (
        <p role="status" className="mb-4 rounded-lg border border-slate-300 bg-white p-3 text-sm text-slate-800">Checkout was cancelled; nothing changed.</p>
      )}
      {res.loading && !res.data ? (
        <Skeleton rows={4} />
      ) : res.error && !res.data ? (
        <ErrorState error={res.error} onRetry={res.reload} title="Could not load billing" />
      ) : res.data ? (
        <BillingView sub={res.data} detections={usage.data?.anomalies_detected ?? 0} />
      ) : null}
    </>
  );
}

function BillingView({ sub, detections }: { sub: Subscription; detections: number }) {
  const { org } = useAuth();
  const manage = canManage(org);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [redirect, setRedirect] = useState<{ url: string; label: string } | null>(null);

  async function go(kind: "checkout" | "portal", plan?: Plan) {
    setBusy(kind === "portal" ? "portal" : plan!.id);
    setError(null);
    try {
      const { url } = kind === "portal" ? await openBillingPortal() : await startCheckout(plan!.id);
      if (!url) throw new Error("The API did not return a Stripe URL.");
      setRedirect({ url, label: kind === "portal" ? "the Stripe billing portal" : `Stripe Checkout for ${plan!.name}` });
      goToStripe(url);
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  }

  const plans = [...(sub.plans ?? [])].sort((a, b) => a.price_cents - b.price_cents);
  const current = sub.plan;

  return (
    <div className="space-y-6">
      {redirect && (
        <p role="status" className="rounded-lg border border-indigo-300 bg-indigo-50 p-3 text-sm text-indigo-950">
          Opening {redirect.label}… If nothing happens, <a className="font-medium underline" href={redirect.url} data-testid="stripe-redirect">continue to Stripe</a>.
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Current plan" className="lg:col-span-1">
          <p className="text-2xl font-semibold text-slate-900" data-testid="current-plan">{current?.name ?? "—"}</p>
          <p className="mt-1 text-sm text-slate-700">
            {current ? (current.price_cents ? `${formatMoney(current.price_cents)} / month` : "Free") : ""} · {formatInt(current?.included_detections)} detections included
          </p>
          <p className="mt-3 flex items-center gap-2 text-sm text-slate-700">Status <Badge tone={statusTone(sub.status)}>{titleCase(sub.status)}</Badge></p>
          {sub.current_period_end && (
            <p className="mt-2 text-sm text-slate-700">
              {sub.cancel_at_period_end ? "Ends" : "Renews"} {formatDate(sub.current_period_end)}
              {sub.current_period_start ? ` (period from ${formatDate(sub.current_period_start)})` : ""}
            </p>
          )}
          {sub.cancel_at_period_end && <p className="mt-2 text-sm text-amber-900">Cancels at the end of this period.</p>}
          {manage && current && current.price_cents > 0 && (
            <Button className="mt-4" onClick={() => go("portal")} busy={busy === "portal"} disabled={busy !== null}>Manage billing</Button>
          )}
        </Card>

        <section aria-labelledby="plans-h" className="lg:col-span-2">
          <h2 id="plans-h" className="mb-3 text-base font-semibold text-slate-900">Plans</h2>
          {plans.length === 0 ? (
            <EmptyState title="No plans available" />
          ) : (
            <ul className="grid gap-4 sm:grid-cols-3">
              {plans.map((p) => {
                const isCurrent = p.id === current?.id;
                const upgrade = !isCurrent && p.price_cents > (current?.price_cents ?? 0);
                return (
                  <li key={p.id} className={`flex flex-col rounded-lg border bg-white p-4 shadow-sm ${isCurrent ? "border-indigo-500 ring-1 ring-indigo-500" : "border-slate-200"}`} data-plan={p.id}>
                    <h3 className="font-semibold text-slate-900">{p.name}</h3>
                    <p className="mt-1 text-xl font-semibold tabular-nums text-slate-900">{p.price_cents ? formatMoney(p.price_cents) : "Free"}<span className="text-sm font-normal text-slate-600">{p.price_cents ? " / month" : ""}</span></p>
                    <ul className="mt-2 flex-1 space-y-1 text-sm text-slate-700">
                      <li>{formatInt(p.included_detections)} detections / month</li>
                      <li>{!p.blocks_at_limit && Number(p.overage_cents_per_detection) > 0 ? `then ${formatUnitPrice(Number(p.overage_cents_per_detection))} per detection` : "blocked at 100% (no overage)"}</li>
                    </ul>
                    <div className="mt-4">
                      {isCurrent ? (
                        <Badge tone="bg-indigo-50 text-indigo-900 ring-indigo-300">Current plan</Badge>
                      ) : upgrade ? (
                        <Button variant="primary" className="w-full" onClick={() => go("checkout", p)} busy={busy === p.id}
                          disabled={!manage || busy !== null} aria-describedby={!manage ? "billing-role" : undefined}>
                          Upgrade to {p.name}
                        </Button>
                      ) : null}
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
          {!manage && <p id="billing-role" className="mt-2 text-sm text-slate-700">Only owners and admins can change the plan.</p>}
          <InlineError error={error} />
        </section>
      </div>

      <CostCalculator plans={plans} initial={detections} />

      <Card title="Invoices">
        {(sub.invoices ?? []).length === 0 ? (
          <p className="text-sm text-slate-700">No invoices yet.</p>
        ) : (
          <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Invoices">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-700">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Invoice</th>
                  <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Date</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Due</th>
                  <th scope="col" className="hidden py-2 pr-4 text-right font-medium sm:table-cell">Paid</th>
                  <th scope="col" className="py-2 font-medium"><span className="sr-only">Link</span></th>
                </tr>
              </thead>
              <tbody>
                {sub.invoices.map((inv) => (
                  <tr key={inv.id} className="border-t border-slate-200">
                    <td className="py-2 pr-4 font-mono text-xs">{inv.number ?? inv.id}</td>
                    <td className="hidden py-2 pr-4 sm:table-cell">{formatDate(inv.created)}</td>
                    <td className="py-2 pr-4"><Badge tone={statusTone(inv.status)}>{titleCase(inv.status)}</Badge></td>
                    <td className="py-2 pr-4 text-right tabular-nums">{formatMoney(inv.amount_due, inv.currency)}</td>
                    <td className="hidden py-2 pr-4 text-right tabular-nums sm:table-cell">{formatMoney(inv.amount_paid, inv.currency)}</td>
                    <td className="py-2">
                      {inv.hosted_invoice_url && (
                        <a href={inv.hosted_invoice_url} target="_blank" rel="noopener noreferrer" className="text-indigo-800 underline">
                          View<span className="sr-only"> invoice {inv.number ?? inv.id} (opens Stripe)</span>
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function statusTone(s: string): string {
  if (["active", "paid", "trialing"].includes(s)) return "bg-emerald-50 text-emerald-900 ring-emerald-300";
  if (["past_due", "unpaid", "open", "incomplete"].includes(s)) return "bg-amber-50 text-amber-900 ring-amber-300";
  if (["canceled", "void", "uncollectible", "incomplete_expired"].includes(s)) return "bg-slate-100 text-slate-800 ring-slate-300";
  return "bg-slate-100 text-slate-800 ring-slate-300";
}
