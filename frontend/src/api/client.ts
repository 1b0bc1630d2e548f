// The only code that knows where the Worker lives. Everything else calls the functions in
// src/api/endpoints.ts, which go through request() here.

export const API_URL = String(import.meta.env.VITE_API_URL || "http://127.0.0.1:8787").replace(/\/+$/, "");

/** An error answer from the Worker ({"error": {code, message, request_id}}) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface ClientHooks {
  getToken: () => Promise<string | null> | string | null;
  getOrgId: () => string | null;
  onUnauthorized: (err: ApiError) => void;
}

let hooks: ClientHooks = { getToken: () => null, getOrgId: () => null, onUnauthorized: () => {} };

export function configureClient(next: Partial<ClientHooks>): void {
  hooks = { ...hooks, ...next };
}

export type Query = Record<string, string | number | undefined | null>;

export function apiUrl(path: string, query?: Query): string {
  const url = new URL(API_URL + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  return url.toString();
}

/** Headers every authenticated call carries: Bearer token and the chosen organization. */
export async function authHeaders(): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const token = await hooks.getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const org = hooks.getOrgId();
  if (org) headers["X-Org-Id"] = org;
  return headers;
}

/** Turns a non-2xx Response into an ApiError, reading the documented error body when present. */
export async function toApiError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get("X-Request-Id");
  const retry = Number(res.headers.get("Retry-After"));
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string; request_id?: string } };
      if (body?.error) {
        code = body.error.code ?? code;
        message = body.error.message ?? message;
        return new ApiError(res.status, code, message, body.error.request_id ?? requestId, Number.isFinite(retry) && retry > 0 ? retry : null);
      }
    } catch {
      if (text && text.length < 300) message = text;
    }
  } catch {
    /* body unreadable: keep the status text */
  }
  return new ApiError(res.status, code, message, requestId, Number.isFinite(retry) && retry > 0 ? retry : null);
}

export function reportUnauthorized(err: ApiError): void {
  if (err.status === 401) hooks.onUnauthorized(err);
}

export async function request<T>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...(await authHeaders()), ...opts.headers };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error)?.name === "AbortError") throw e;
    throw new ApiError(0, "network", `Could not reach the DriftLock API at ${API_URL}.`);
  }
  if (!res.ok) {
    const err = await toApiError(res);
    reportUnauthorized(err);
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
