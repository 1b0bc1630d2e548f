import { useRef, useState, type FormEvent } from "react";
import { API_URL } from "../../api/client";
import { createApiKey, listApiKeys, revokeApiKey } from "../../api/endpoints";
import type { ApiKey, NewApiKey } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Badge, Button, Card, EmptyState, ErrorState, InlineError, PageHeader, Skeleton, inputClass } from "../../components/ui";
import { formatDateTime, formatRelative } from "../../lib/format";
import { useTitle } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { canManage, useAuth } from "../auth/AuthProvider";

export function ApiKeysPage() {
  useTitle("API keys");
  const { org } = useAuth();
  const manage = canManage(org);
  const res = useAsync((signal) => (manage ? listApiKeys({ signal }) : Promise.resolve([] as ApiKey[])), [manage]);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<unknown>(null);

  async function revoke() {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await revokeApiKey(revoking.id);
      const when = new Date().toISOString();
      res.setData((prev) => (prev ?? []).map((k) => (k.id === revoking.id ? { ...k, revoked_at: k.revoked_at ?? when } : k)));
      setRevoking(null);
      res.reload();
    } catch (e) {
      setRevokeError(e);
    } finally {
      setRevokeBusy(false);
    }
  }

  if (!manage) {
    return (
      <>
        <PageHeader title="API keys" />
        <EmptyState title="Only owners and admins manage API keys">Ask an owner of {org?.name ?? "your organization"} for a key.</EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="API keys" subtitle="Keys let your services send events and read anomalies. A key's secret is shown once, when you create it." />
      <div className="space-y-6">
        <CreateKey onCreated={(k) => { setCreated(k); res.setData((prev) => [k, ...(prev ?? [])]); }} />
        {created && <SecretOnce created={created} onDone={() => setCreated(null)} />}
        <Card title="Keys">
          {res.loading && !res.data ? (
            <Skeleton rows={2} />
          ) : res.error && !res.data ? (
            <ErrorState error={res.error} onRetry={res.reload} title="Could not load API keys" />
          ) : (res.data ?? []).length === 0 ? (
            <p className="text-sm text-slate-700">No keys yet. Create one above to start sending events.</p>
          ) : (
            <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="API keys">
              <table className="w-full text-left text-sm" data-testid="api-keys">
                <thead className="text-slate-700">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Key</th>
                    <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Created</th>
                    <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Last used</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                    <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {res.data!.map((k) => (
                    <tr key={k.id} className="border-t border-slate-200" data-key-name={k.name}>
                      <td className="py-2 pr-4 font-medium text-slate-900">{k.name}</td>
                      <td className="whitespace-nowrap py-2 pr-4 font-mono text-xs">{displayPrefix(k.prefix)}…</td>
                      <td className="hidden py-2 pr-4 sm:table-cell" title={formatDateTime(k.created_at)}>{formatRelative(k.created_at)}</td>
                      <td className="hidden py-2 pr-4 sm:table-cell">{k.last_used_at ? formatRelative(k.last_used_at) : "never"}</td>
                      <td className="py-2 pr-4">
                        {k.revoked_at ? <Badge>Revoked</Badge> : <Badge tone="bg-emerald-50 text-emerald-900 ring-emerald-300">Active</Badge>}
                      </td>
                      <td className="py-2 text-right">
                        {!k.revoked_at && <Button variant="danger" onClick={() => setRevoking(k)}>Revoke<span className="sr-only"> {k.name}</span></Button>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
        <PrometheusScrape />
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke key"
        busy={revokeBusy}
        onConfirm={revoke}
        onCancel={() => { setRevoking(null); setRevokeError(null); }}
      >
        <p>Requests with this key are refused at once. This cannot be undone.</p>
        <InlineError error={revokeError} />
      </ConfirmDialog>
    </>
  );
}

const displayPrefix = (p: string) => (p.startsWith("dl_") ? p : `dl_${p}`);

function CreateKey({ onCreated }: { onCreated: (k: NewApiKey) => void }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createApiKey(name.trim()));
      setName("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Create a key">
      <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex-1">
          <label htmlFor="key-name" className="text-sm font-medium text-slate-800">Name</label>
          <input id="key-name" required maxLength={100} className={`mt-1 ${inputClass}`} value={name} onChange={(e) => setName(e.target.value)} placeholder="production ingest" />
        </div>
        <Button type="submit" variant="primary" busy={busy}>Create key</Button>
      </form>
      <InlineError error={error} />
    </Card>
  );
}

function SecretOnce({ created, onDone }: { created: NewApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const codeRef = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied("Copied to the clipboard.");
    } catch {
      // No clipboard permission: select the text so Ctrl+C works.
      const sel = window.getSelection();
      if (sel && codeRef.current) {
        const range = document.createRange();
        range.selectNodeContents(codeRef.current);
        sel.removeAllRanges();
        sel.addRange(range);
      }
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  }

  return (
    <section
      aria-labelledby="secret-h"
      className="rounded-lg border border-emerald-300 bg-emerald-50 p-4"
      ref={(el) => { if (el && !el.dataset.focused) { el.dataset.focused = "1"; heading.current?.focus(); } }}
    >
      <h2 id="secret-h" ref={heading} tabIndex={-1} className="font-semibold text-emerald-950 outline-none">Key “{created.name}” created: copy its secret now</h2>
      <p className="mt-1 text-sm text-emerald-950">This is the only time the secret is shown. Store it in your secret manager.</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center">
        <code ref={codeRef} className="block flex-1 break-all rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-sm text-slate-900" data-testid="new-key-secret">
          {created.secret}
        </code>
        <Button onClick={copy}>Copy</Button>
      </div>
      <p role="status" className="mt-1 text-sm text-emerald-900">{copied}</p>
      <Button className="mt-2" variant="ghost" onClick={onDone}>I have stored it</Button>
    </section>
  );
}

/** How to scrape `GET /metrics` with one of these keys (Prometheus' own configuration format). */
function PrometheusScrape() {
  const api = new URL(API_URL);
  const config = [
    "scrape_configs:",
    "  - job_name: driftlock",
    `    scheme: ${api.protocol.replace(":", "")}`,
    "    metrics_path: /metrics",
    `    static_configs: [{ targets: ["${api.host}"] }]`,
    "    authorization: { credentials: \"<an API key>\" }",
  ].join("\n");
  return (
    <Card title="Monitor with Prometheus">
      <p className="text-sm text-slate-700">
        <code className="font-mono">GET /metrics</code> gives this organization's usage for the billing period and its unresolved
        anomalies by stream and severity, in Prometheus' text format. Any key with the usage:read and anomalies:read scopes (new
        keys have both) can scrape it.
      </p>
      <pre
        className="mt-3 overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-900"
        data-testid="scrape-config"
        tabIndex={0}
        role="region"
        aria-label="Prometheus scrape configuration"
      >
        {config}
      </pre>
    </Card>
  );
}
