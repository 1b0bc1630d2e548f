import { useState } from "react";
import { ApiError } from "../../api/client";
import { getAnomaly, setAnomalyStatus } from "../../api/endpoints";
import type { AnomalyDetail, AnomalyStatus } from "../../api/types";
import { Button, Card, ErrorState, InlineError, Loading, PageHeader, SeverityBadge, StatusBadge, inputClass } from "../../components/ui";
import { formatDateTime, formatNumber, formatPValue, titleCase } from "../../lib/format";
import { novelShare, segmentExcerpt } from "../../lib/spans";
import { Link, useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { canWrite, useAuth } from "../auth/AuthProvider";

/** Which status changes the dashboard offers from each status. */
export const ACTIONS: Record<AnomalyStatus, { to: AnomalyStatus; label: string; variant: "primary" | "secondary" }[]> = {
  open: [
    { to: "acknowledged", label: "Acknowledge", variant: "primary" },
    { to: "resolved", label: "Resolve", variant: "secondary" },
    { to: "dismissed", label: "Dismiss", variant: "secondary" },
  ],
  acknowledged: [
    { to: "resolved", label: "Resolve", variant: "primary" },
    { to: "dismissed", label: "Dismiss", variant: "secondary" },
    { to: "open", label: "Reopen", variant: "secondary" },
  ],
  resolved: [{ to: "open", label: "Reopen", variant: "secondary" }],
  dismissed: [{ to: "open", label: "Reopen", variant: "secondary" }],
};

export function AnomalyPage({ id }: { id: string }) {
  const res = useAsync((signal) => getAnomaly(id, { signal }), [id]);
  useTitle(res.data ? `Anomaly on ${res.data.stream}` : "Anomaly");

  return (
    <>
      <p className="mb-3 text-sm"><Link href="/" className="text-indigo-800 underline underline-offset-2">← Live feed</Link></p>
      {res.loading && !res.data ? (
        <>
          <PageHeader title="Anomaly" />
          <Loading label="Loading anomaly" />
        </>
      ) : res.error && !res.data ? (
        <>
          <PageHeader title="Anomaly" />
          {res.error instanceof ApiError && res.error.status === 404 ? (
            <ErrorState title="Anomaly not found" error={new Error("It may belong to another organization, or the link is wrong.")} />
          ) : (
            <ErrorState error={res.error} onRetry={res.reload} title="Could not load this anomaly" />
          )}
        </>
      ) : res.data ? (
        <Detail a={res.data} onChanged={(d) => { res.setData(d); res.reload(); }} />
      ) : null}
    </>
  );
}

function Detail({ a, onChanged }: { a: AnomalyDetail; onChanged: (d: AnomalyDetail) => void }) {
  const segments = segmentExcerpt(a.event_excerpt ?? "", a.novel);
  const share = novelShare(a.event_excerpt ?? "", a.novel);
  const metrics = Object.entries(a.metrics ?? {}).filter(([, v]) => v !== undefined);

  return (
    <>
      <PageHeader
        title={`Anomaly on ${a.stream}`}
        subtitle={<>Detected {formatDateTime(a.detected_at)} · {titleCase(String(a.event_type))} event · #{a.seq}</>}
        actions={<div className="flex items-center gap-2"><SeverityBadge severity={a.severity} /><StatusBadge status={a.status} /></div>}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card title="Event">
            {segments.length === 0 ? (
              <p className="text-sm text-slate-700">The event body was not stored.</p>
            ) : (
              <pre className="relative max-h-96 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded-md bg-slate-50 p-3 font-mono text-sm text-slate-900" tabIndex={0} aria-label="Event body" data-testid="event-excerpt">
                {segments.map((s, i) => (s.novel ? <mark key={i} className="novel">{s.text}</mark> : <span key={i}>{s.text}</span>))}
              </pre>
            )}
            {share > 0 ? (
              <p className="mt-2 text-xs text-slate-600">
                <mark className="novel px-1">Highlighted</mark> bytes found no match in the stream's baseline ({Math.max(1, Math.round(share * 100))}% of this excerpt).
              </p>
            ) : (
              <p className="mt-2 text-xs text-slate-600">No novel byte spans were recorded for this event.</p>
            )}
          </Card>
          <Card title="Why it was flagged">
            <p className="text-sm leading-6 text-slate-800">{a.explanation || "No explanation was recorded."}</p>
          </Card>
          <Card title="Metrics">
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
              <Metric label="p-value" value={formatPValue(a.p_value)} />
              <Metric label="Score" value={formatNumber(a.score)} />
              {metrics.map(([k, v]) => <Metric key={k} label={metricLabel(k)} value={formatNumber(v as number | null)} />)}
            </dl>
          </Card>
          {a.metadata && Object.keys(a.metadata).length > 0 && (
            <Card title="Metadata">
              <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                {Object.entries(a.metadata).map(([k, v]) => (
                  <div key={k} className="contents">
                    <dt className="font-medium text-slate-700">{k}</dt>
                    <dd className="break-all font-mono text-slate-900">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                  </div>
                ))}
              </dl>
            </Card>
          )}
        </div>
        <div className="space-y-6">
          <StatusActions a={a} onChanged={onChanged} />
          <History a={a} />
        </div>
      </div>
    </>
  );
}

const METRIC_LABELS: Record<string, string> = {
  conditional_bits_per_byte: "Conditional bits/byte",
  compression_ratio: "Compression ratio",
  entropy: "Entropy (bits/byte)",
  ncd: "NCD",
};
const metricLabel = (k: string) => METRIC_LABELS[k] ?? titleCase(k);

function Metric({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="font-mono text-lg tabular-nums text-slate-900">{value}</dd>
    </div>
  );
}

function StatusActions({ a, onChanged }: { a: AnomalyDetail; onChanged: (d: AnomalyDetail) => void }) {
  const { org } = useAuth();
  const writable = canWrite(org);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState<AnomalyStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function change(to: AnomalyStatus) {
    setBusy(to);
    setError(null);
    setDone(null);
    try {
      const updated = await setAnomalyStatus(a.id, to, note.trim() || undefined);
      onChanged({ ...a, ...updated, history: (updated as AnomalyDetail).history ?? a.history });
      setNote("");
      setDone(`Marked ${to}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Card title="Status">
      <p className="mb-3 flex items-center gap-2 text-sm text-slate-700">Now <StatusBadge status={a.status} /></p>
      {!writable ? (
        <p className="text-sm text-slate-700">You have read-only access to {org?.name ?? "this organization"}; an owner, admin or member can change the status.</p>
      ) : (<>
      <label htmlFor="status-note" className="text-sm font-medium text-slate-800">Note <span className="font-normal text-slate-600">(optional)</span></label>
      <textarea id="status-note" rows={2} className={`mt-1 ${inputClass}`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} />
      <div className="mt-3 flex flex-wrap gap-2">
        {(ACTIONS[a.status] ?? []).map((act) => (
          <Button key={act.to} variant={act.variant} busy={busy === act.to} disabled={busy !== null} onClick={() => change(act.to)}>
            {act.label}
          </Button>
        ))}
      </div>
      <p role="status" className="mt-2 text-sm text-emerald-800">{done}</p>
      <InlineError error={error} />
      </>)}
    </Card>
  );
}

function History({ a }: { a: AnomalyDetail }) {
  const { me } = useAuth();
  const who = (id: string | null) => (!id ? "" : id === me?.user_id ? " · you" : ` · ${id.slice(0, 8)}`);
  const items = [...(a.history ?? [])].sort((x, y) => Date.parse(y.changed_at) - Date.parse(x.changed_at));
  return (
    <Card title="History">
      {items.length === 0 ? (
        <p className="text-sm text-slate-700">No status changes yet.</p>
      ) : (
        <ol className="space-y-3" data-testid="status-history">
          {items.map((h, i) => (
            <li key={i} className="border-l-2 border-slate-300 pl-3 text-sm">
              <p className="text-slate-900">
                {h.from_status ? `${titleCase(h.from_status)} → ` : ""}<strong>{titleCase(h.to_status)}</strong>
              </p>
              <p className="text-xs text-slate-600">{formatDateTime(h.changed_at)}{who(h.changed_by)}</p>
              {h.note && <p className="mt-1 text-slate-800">“{h.note}”</p>}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
