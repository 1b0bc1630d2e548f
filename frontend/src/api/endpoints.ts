// One function per Worker route the dashboard uses (see README "API").
import { request } from "./client";
import type {
  Anomaly, AnomalyDetail, AnomalyFilters, AnomalyStatus, ApiKey, Compressor, EventType, Me, NewApiKey, Page,
  RedirectUrl, Stream, Subscription, Usage,
} from "./types";

type Opts = { signal?: AbortSignal };

export const getMe = (o: Opts = {}) => request<Me>("GET", "/me", o);

export const listAnomalies = (f: AnomalyFilters, o: Opts & { cursor?: string | null; limit?: number } = {}) =>
  request<Page<Anomaly>>("GET", "/anomalies", {
    signal: o.signal,
    query: { stream: f.stream, severity: f.severity, status: f.status, since: f.since, cursor: o.cursor, limit: o.limit },
  });

export const getAnomaly = (id: string, o: Opts = {}) =>
  request<AnomalyDetail>("GET", `/anomalies/${encodeURIComponent(id)}`, o);

export const setAnomalyStatus = (id: string, status: AnomalyStatus, note?: string) =>
  request<AnomalyDetail | Anomaly>("PATCH", `/anomalies/${encodeURIComponent(id)}`, {
    body: note ? { status, note } : { status },
  });

export const listStreams = async (o: Opts = {}): Promise<Stream[]> => unwrapList(await request<Stream[] | Page<Stream>>("GET", "/streams", o));

export const createStream = (body: { name: string; event_type: EventType; compressor?: Compressor; sensitivity?: number }) =>
  request<Stream>("POST", "/streams", { body });

export const updateStream = (id: string, patch: Partial<Pick<Stream, "sensitivity" | "compressor">>) =>
  request<Stream>("PATCH", `/streams/${encodeURIComponent(id)}`, { body: patch });

export const getUsage = (o: Opts = {}) => request<Usage>("GET", "/usage", o);

export const getSubscription = (o: Opts = {}) => request<Subscription>("GET", "/subscription", o);

/** The Worker builds the success/cancel URLs from its DASHBOARD_URL (…/billing?checkout=success|cancelled). */
export const startCheckout = (plan: string) => request<RedirectUrl>("POST", "/subscription/checkout", { body: { plan } });

export const openBillingPortal = () => request<RedirectUrl>("POST", "/subscription/portal");

export const listApiKeys = async (o: Opts = {}): Promise<ApiKey[]> => unwrapList(await request<ApiKey[] | Page<ApiKey>>("GET", "/api-keys", o));

export const createApiKey = (name: string) => request<NewApiKey>("POST", "/api-keys", { body: { name } });

export const revokeApiKey = (id: string) => request<unknown>("DELETE", `/api-keys/${encodeURIComponent(id)}`);

/** Lists may come bare or wrapped as {"data": [...]}: accept both. */
export function unwrapList<T>(body: T[] | Page<T> | null | undefined): T[] {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray((body as Page<T>).data)) return (body as Page<T>).data;
  return [];
}
