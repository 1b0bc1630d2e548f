import { useState, type FormEvent } from "react";
import { createStream, listStreams, updateStream } from "../../api/endpoints";
import type { Compressor, EventType, Stream } from "../../api/types";
import { Badge, Button, Card, EmptyState, ErrorState, InlineError, PageHeader, Skeleton, inputClass } from "../../components/ui";
import { formatDateTime, formatInt } from "../../lib/format";
import { useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { canWrite, useAuth } from "../auth/AuthProvider";

const EVENT_TYPES: EventType[] = ["log", "metric", "trace", "llm", "json"];

export function StreamsPage() {
  useTitle("Streams");
  const { org } = useAuth();
  const res = useAsync((signal) => listStreams({ signal }), []);
  return (
    <>
      <PageHeader title="Streams" subtitle="Each stream keeps its own baseline. Sensitivity decides how surprising an event must be to count as an anomaly." />
      {res.loading && !res.data ? (
        <Skeleton rows={3} />
      ) : res.error && !res.data ? (
        <ErrorState error={res.error} onRetry={res.reload} title="Could not load streams" />
      ) : (
        <div className="space-y-6">
          {(res.data ?? []).length === 0 ? (
            <EmptyState title="No streams yet">
              A stream is created the first time you send events to it with <code className="rounded bg-slate-100 px-1">POST /events</code>, or add one below.
            </EmptyState>
          ) : (
            <ul className="grid gap-4 xl:grid-cols-2">
              {res.data!.map((s) => (
                <li key={s.id}>
                  <StreamCard stream={s} onSaved={(n) => res.setData((prev) => (prev ?? []).map((x) => (x.id === n.id ? n : x)))} />
                </li>
              ))}
            </ul>
          )}
          {canWrite(org) && <NewStream onCreated={(s) => res.setData((prev) => [...(prev ?? []), s])} />}
        </div>
      )}
    </>
  );
}

function sensitivityHint(v: number): string {
  if (v < 0.3) return "Quiet: only strongly novel events are flagged.";
  if (v <= 0.7) return "Balanced.";
  return "Eager: more events are flagged, expect more anomalies (and detections billed).";
}

function StreamCard({ stream, onSaved }: { stream: Stream; onSaved: (s: Stream) => void }) {
  const [sensitivity, setSensitivity] = useState(stream.sensitivity);
  const [compressor, setCompressor] = useState<Compressor>(stream.compressor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { org } = useAuth();
  const writable = canWrite(org);
  const dirty = Math.abs(sensitivity - stream.sensitivity) > 1e-9 || compressor !== stream.compressor;
  const sid = `s-${stream.id}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const patch: Partial<Stream> = {};
      if (Math.abs(sensitivity - stream.sensitivity) > 1e-9) patch.sensitivity = Math.round(sensitivity * 100) / 100;
      if (compressor !== stream.compressor) patch.compressor = compressor;
      const updated = await updateStream(stream.id, patch);
      const next = { ...stream, ...patch, ...updated };
      onSaved(next);
      setSensitivity(next.sensitivity);
      setCompressor(next.compressor);
      setSaved(`Saved: sensitivity ${next.sensitivity.toFixed(2)}, ${next.compressor}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card headingLevel={2} title={<span className="font-mono">{stream.name}</span>} actions={<Badge>{stream.event_type}</Badge>}>
      <form onSubmit={save} data-stream={stream.name}>
        <div className="flex items-center justify-between">
          <label htmlFor={`${sid}-sens`} className="text-sm font-medium text-slate-800">Sensitivity</label>
          <output htmlFor={`${sid}-sens`} className="font-mono text-sm tabular-nums text-slate-900" data-testid="sensitivity-value">{sensitivity.toFixed(2)}</output>
        </div>
        <input
          id={`${sid}-sens`}
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={sensitivity}
          onChange={(e) => setSensitivity(Number(e.target.value))}
          aria-describedby={`${sid}-hint`}
          className="mt-2 w-full accent-indigo-700"
        />
        <div className="flex justify-between text-xs text-slate-600" aria-hidden="true"><span>0.0 quiet</span><span>1.0 eager</span></div>
        <p id={`${sid}-hint`} className="mt-1 text-xs text-slate-700">{sensitivityHint(sensitivity)}</p>

        <label htmlFor={`${sid}-comp`} className="mt-4 block text-sm font-medium text-slate-800">Compressor</label>
        <select id={`${sid}-comp`} className={`mt-1 ${inputClass}`} value={compressor} onChange={(e) => setCompressor(e.target.value as Compressor)}>
          <option value="zstd">zstd</option>
          <option value="deflate">deflate</option>
        </select>

        <dl className="mt-4 grid grid-cols-3 gap-2 text-sm">
          <div><dt className="text-xs text-slate-600">Baseline</dt><dd className="tabular-nums">{formatInt(stream.baseline_size)}</dd></div>
          <div><dt className="text-xs text-slate-600">Window</dt><dd className="tabular-nums">{formatInt(stream.window_size)}</dd></div>
          <div><dt className="text-xs text-slate-600">Updated</dt><dd className="text-xs">{formatDateTime(stream.updated_at)}</dd></div>
        </dl>
        <div className="mt-4 flex items-center gap-3">
          <Button type="submit" variant="primary" disabled={!dirty || !writable} busy={busy}>Save</Button>
          {!writable && <p className="text-sm text-slate-700">Read-only access</p>}
          {dirty && <Button variant="ghost" onClick={() => { setSensitivity(stream.sensitivity); setCompressor(stream.compressor); }}>Reset</Button>}
          <p role="status" className="text-sm text-emerald-800">{saved}</p>
        </div>
        <InlineError error={error} />
      </form>
    </Card>
  );
}

function NewStream({ onCreated }: { onCreated: (s: Stream) => void }) {
  const [name, setName] = useState("");
  const [type, setType] = useState<EventType>("log");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createStream({ name: name.trim(), event_type: type }));
      setName("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Add a stream">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
        <div>
          <label htmlFor="new-stream-name" className="text-sm font-medium text-slate-800">Name</label>
          <input id="new-stream-name" required pattern="[a-z0-9][a-z0-9._\-]{0,62}" title="lowercase letters, digits, dot, dash, underscore"
            className={`mt-1 ${inputClass}`} value={name} onChange={(e) => setName(e.target.value)} placeholder="checkout-api" />
        </div>
        <div>
          <label htmlFor="new-stream-type" className="text-sm font-medium text-slate-800">Event type</label>
          <select id="new-stream-type" className={`mt-1 ${inputClass}`} value={type} onChange={(e) => setType(e.target.value as EventType)}>
            {EVENT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        <Button type="submit" busy={busy}>Add stream</Button>
      </form>
      <InlineError error={error} />
    </Card>
  );
}
