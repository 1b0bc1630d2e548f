import { lazy, Suspense, useMemo } from "react";
import { getUsage } from "../../api/endpoints";
import type { Usage } from "../../api/types";
import { Card, ErrorState, Loading, PageHeader, Skeleton, Stat } from "../../components/ui";
import { formatDate, formatDateTime, formatInt, formatPercent, titleCase } from "../../lib/format";
import { Link, useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { DEFAULT_THRESHOLDS, thresholdColor, usageSeries, usageTone } from "../../lib/usage";

const UsageChart = lazy(() => import("./UsageChart"));

export function UsagePage() {
  useTitle("Usage");
  const res = useAsync((signal) => getUsage({ signal }), []);
  return (
    <>
      <PageHeader title="Usage" subtitle="Anomaly detections this billing period against your plan. You pay for anomalies, not events scored." />
      {res.loading && !res.data ? (
        <Skeleton rows={4} />
      ) : res.error && !res.data ? (
        <ErrorState error={res.error} onRetry={res.reload} title="Could not load usage" />
      ) : res.data ? (
        <UsageView u={res.data} />
      ) : null}
    </>
  );
}

function UsageView({ u }: { u: Usage }) {
  const series = useMemo(() => usageSeries(u), [u]);
  const tone = usageTone(u.percent_used, u.blocked);
  const thresholds = u.thresholds?.length ? u.thresholds : DEFAULT_THRESHOLDS;
  const max = Math.max(125, Math.min(200, u.percent_used + 5));
  const barColor = tone === "danger" ? "bg-red-600" : tone === "warn" ? "bg-amber-500" : "bg-indigo-600";

  return (
    <div className="space-y-6">
      {u.blocked && (
        <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          <strong>Detection is paused:</strong> this organization used its {formatInt(u.included)} included detections. New events are refused with 402 until the next period.{" "}
          <Link href="/billing" className="font-medium underline">Upgrade your plan</Link> to keep detecting.
        </div>
      )}
      {!u.blocked && u.soft_cap_passed && (
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
          <strong>Past the 120% soft cap.</strong> Responses carry a warning header; overage is billed per detection.
        </div>
      )}
      <dl className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4">
        <Stat label="Anomalies detected" value={formatInt(u.anomalies_detected)} hint={`of ${formatInt(u.included)} included`} />
        <Stat label="Used" value={formatPercent(u.percent_used)} hint={`${titleCase(u.plan)} plan`} />
        <Stat label="Remaining" value={formatInt(u.remaining)} hint="included detections left" />
        <Stat label="Events scored" value={formatInt(u.events_scored)} hint="not billed" />
      </dl>

      <Card title="This period" actions={<span className="text-sm text-slate-700">{formatDate(u.period_start)} – {formatDate(u.period_end)}</span>}>
        <div className="relative mt-2 mb-8" aria-hidden="true">
          <div className="h-3 overflow-hidden rounded-full bg-slate-200">
            <div className={`h-full ${barColor}`} style={{ width: `${Math.min(100, (u.percent_used / max) * 100)}%` }} />
          </div>
          {thresholds.map((t) => (
            <div key={t} className="absolute top-0 h-5 border-l-2 border-slate-700" style={{ left: `${(t / max) * 100}%` }}>
              <span className="absolute top-5 hidden -translate-x-1/2 text-xs text-slate-700 sm:block">{t}%</span>
            </div>
          ))}
        </div>
        <p className="sr-only">{formatPercent(u.percent_used)} of the included amount used.</p>
        <Suspense fallback={<Loading label="Loading chart" />}>
          <UsageChart series={series} included={u.included} />
        </Suspense>
        <ul className="mt-3 flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700" data-testid="threshold-legend">
          <li className="flex items-center gap-1.5"><span aria-hidden="true" className="inline-block h-0.5 w-5 bg-indigo-700" /> Detections to date</li>
          {series.thresholds.map((t) => (
            <li key={t.percent} className="flex items-center gap-1.5" data-threshold={t.percent}>
              <span aria-hidden="true" className="inline-block w-5 border-t-2 border-dashed" style={{ borderColor: thresholdColor(t.percent) }} />
              {t.percent}% · {formatInt(t.value)}
            </li>
          ))}
        </ul>
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer text-indigo-800">Daily numbers</summary>
          <div className="relative mt-2 max-h-72 overflow-auto" tabIndex={0} role="region" aria-label="Daily numbers">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-700"><tr><th scope="col" className="py-1 pr-4 font-medium">Day</th><th scope="col" className="py-1 pr-4 font-medium">Events</th><th scope="col" className="py-1 font-medium">Anomalies</th></tr></thead>
              <tbody>
                {(u.daily ?? []).map((d) => (
                  <tr key={d.day} className="border-t border-slate-200"><td className="py-1 pr-4">{formatDate(d.day)}</td><td className="py-1 pr-4 tabular-nums">{formatInt(d.events)}</td><td className="py-1 tabular-nums">{formatInt(d.anomalies)}</td></tr>
                ))}
                {(u.daily ?? []).length === 0 && <tr><td colSpan={3} className="py-2 text-slate-700">No activity yet this period.</td></tr>}
              </tbody>
            </table>
          </div>
        </details>
      </Card>

      <Card title="Usage alerts">
        <p className="mb-3 text-sm text-slate-700">Owners get an email once per period at each threshold.</p>
        <ul className="grid gap-2 sm:grid-cols-4">
          {thresholds.map((t) => {
            const sent = u.alerts_sent?.find((a) => a.threshold === t);
            return (
              <li key={t} className="rounded-md border border-slate-200 p-3 text-sm">
                <p className="font-medium text-slate-900">{t}% · {formatInt(Math.round((u.included * t) / 100))}</p>
                <p className="text-xs text-slate-700">{sent ? `Sent ${formatDateTime(sent.sent_at)}` : t === 120 ? "Soft cap: warning header" : "Not reached"}</p>
              </li>
            );
          })}
        </ul>
      </Card>
    </div>
  );
}
