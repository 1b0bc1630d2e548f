import { useEffect, useMemo, useState } from "react";
import { listStreams } from "../../api/endpoints";
import type { Anomaly, AnomalyFilters, AnomalyStatus, Severity } from "../../api/types";
import type { LiveMode } from "../../api/live";
import { Button, EmptyState, ErrorState, PageHeader, SeverityBadge, Skeleton, StatusBadge, inputClass } from "../../components/ui";
import { severityCounts } from "../../lib/feed";
import { formatDateTime, formatPValue, formatRelative } from "../../lib/format";
import { Link, navigate, useLocation, useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { useLiveAnomalies } from "./useLiveAnomalies";

const SEVERITIES: Severity[] = ["high", "medium", "low"];
const RANGES: Record<string, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: 3600_000 },
  "24h": { label: "Last 24 hours", ms: 86400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86400_000 },
};

/** The `since` filter for a range, rounded to the minute so it stays stable between renders. */
function sinceFor(range: string): string {
  const r = RANGES[range];
  if (!r) return "";
  const t = Math.floor((Date.now() - r.ms) / 60000) * 60000;
  return new Date(t).toISOString().replace(".000Z", "Z");
}
const STATUSES: AnomalyStatus[] = ["open", "acknowledged", "resolved", "dismissed"];

export function FeedPage() {
  useTitle("Live feed");
  const { query } = useLocation();
  const range = query.get("range") ?? "";
  const since = useMemo(() => sinceFor(range), [range]);
  const filters: AnomalyFilters = {
    stream: query.get("stream") ?? "",
    severity: (query.get("severity") ?? "") as Severity | "",
    status: (query.get("status") ?? "") as AnomalyStatus | "",
    since,
  };
  const feed = useLiveAnomalies(filters);
  const streams = useAsync((signal) => listStreams({ signal }), []);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 10000);
    return () => clearInterval(t);
  }, []);

  const setFilter = (name: keyof AnomalyFilters | "range", value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(name, value);
    else q.delete(name);
    const s = q.toString();
    navigate(s ? `/?${s}` : "/", { replace: true });
  };

  const streamNames = new Set<string>((streams.data ?? []).map((s) => s.name));
  feed.items.forEach((a) => streamNames.add(a.stream));
  if (filters.stream) streamNames.add(filters.stream);
  const counts = severityCounts(feed.items);
  const filtered = Boolean(filters.stream || filters.severity || filters.status || range);

  return (
    <>
      <PageHeader title="Live feed" subtitle="Anomalies as the detector finds them, newest first." actions={<LiveIndicator mode={feed.mode} />} />

      <form className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect id="f-stream" label="Stream" value={filters.stream ?? ""} onChange={(v) => setFilter("stream", v)}
          options={[...streamNames].sort().map((s) => [s, s])} all="All streams" />
        <FilterSelect id="f-severity" label="Severity" value={filters.severity ?? ""} onChange={(v) => setFilter("severity", v)}
          options={SEVERITIES.map((s) => [s, s[0].toUpperCase() + s.slice(1)])} all="All severities" />
        <FilterSelect id="f-status" label="Status" value={filters.status ?? ""} onChange={(v) => setFilter("status", v)}
          options={STATUSES.map((s) => [s, s[0].toUpperCase() + s.slice(1)])} all="All statuses" />
        <FilterSelect id="f-range" label="Detected" value={range} onChange={(v) => setFilter("range", v)}
          options={Object.entries(RANGES).map(([k, r]) => [k, r.label])} all="Any time" />
      </form>

      <div aria-live="polite" className="sr-only">
        {feed.fresh.last ? `New ${feed.fresh.last.severity} anomaly on ${feed.fresh.last.stream}` : ""}
      </div>

      {feed.loading ? (
        <Skeleton rows={5} />
      ) : feed.error && feed.items.length === 0 ? (
        <ErrorState error={feed.error} onRetry={feed.reload} title="Could not load anomalies" />
      ) : feed.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No anomalies match these filters" action={<Button onClick={() => navigate("/", { replace: true })}>Clear filters</Button>}>
            New anomalies that match will appear here as they are detected.
          </EmptyState>
        ) : (
          <EmptyState title="No anomalies yet">
            <p>Send events with <code className="rounded bg-slate-100 px-1">POST /events</code> and an API key; anomalies show up here within seconds.</p>
          </EmptyState>
        )
      ) : (
        <>
          <p className="mb-2 text-sm text-slate-700">
            Showing {feed.items.length}{feed.cursor ? "+" : ""} · {counts.high} high · {counts.medium} medium · {counts.low} low
          </p>
          <ul className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="anomaly-list">
            {feed.items.map((a) => <AnomalyRow key={a.id} a={a} fresh={feed.fresh.ids.has(a.id)} now={now} />)}
          </ul>
          {feed.cursor && (
            <div className="mt-4 flex justify-center">
              <Button onClick={feed.loadMore} busy={feed.loadingMore}>Load older anomalies</Button>
            </div>
          )}
        </>
      )}
    </>
  );
}

function FilterSelect({ id, label, value, onChange, options, all }:
  { id: string; label: string; value: string; onChange: (v: string) => void; options: [string, string][]; all: string }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-800">{label}</label>
      <select id={id} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </div>
  );
}

function AnomalyRow({ a, fresh, now }: { a: Anomaly; fresh: boolean; now: number }) {
  return (
    <li className={fresh ? "flash" : undefined} data-anomaly-id={a.id}>
      <Link href={`/anomalies/${encodeURIComponent(a.id)}`} className="grid grid-cols-[4.75rem_1fr] gap-x-3 gap-y-1 px-4 py-3 hover:bg-slate-50 focus-visible:bg-slate-50 md:grid-cols-[5.5rem_10rem_1fr_auto_6.5rem] md:items-center">
        <span className="row-span-2 md:row-span-1"><SeverityBadge severity={a.severity} /></span>
        <span className="truncate text-sm font-medium text-slate-900">{a.stream}</span>
        <span className="col-start-2 truncate font-mono text-xs text-slate-700 md:col-start-auto" title={a.event_excerpt}>{a.event_excerpt}</span>
        <span className="col-start-2 flex items-center gap-2 md:col-start-auto"><StatusBadge status={a.status} /><span className="whitespace-nowrap text-xs text-slate-600">p {formatPValue(a.p_value)}</span></span>
        <time className="col-start-2 text-xs text-slate-600 md:col-start-auto md:text-right" dateTime={a.detected_at} title={formatDateTime(a.detected_at)}>
          {formatRelative(a.detected_at, now)}
        </time>
      </Link>
    </li>
  );
}

function LiveIndicator({ mode }: { mode: LiveMode }) {
  const label = mode === "live" ? "Live" : mode === "polling" ? "Polling every 2 s" : mode === "stopped" ? "Paused" : "Connecting…";
  const dot = mode === "live" ? "bg-emerald-500" : mode === "polling" ? "bg-amber-500" : "bg-slate-400";
  return (
    <span role="status" className="inline-flex items-center gap-2 rounded-full border border-slate-300 bg-white px-3 py-1 text-sm text-slate-800" data-live-mode={mode}>
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${dot} ${mode === "live" ? "animate-pulse" : ""}`} />
      {label}
    </span>
  );
}
