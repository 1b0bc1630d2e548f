// A small client for the Worker API, as a customer's program would use it.
import { stack } from "./stack.mjs";

/**
 * Calls the API. `auth` is an API key or a user token; `body` is JSON-encoded unless it is a
 * string or Buffer (sent as is, for malformed-input tests).
 */
export async function api(path, { method = "GET", auth, body, headers = {} } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = `Bearer ${auth}`;
  let payload = body;
  if (body !== undefined && typeof body !== "string" && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await fetch(new URL(path, stack.apiUrl), { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

/** Asserts the documented error shape and returns the error object. */
export function errorOf(res) {
  const e = res.json?.error;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string" || typeof e.request_id !== "string") {
    throw new Error(`expected {"error": {code, message, request_id}}, got ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return e;
}

/** A log stream's normal traffic: varied but regular lines. */
export function normalLogLines(n, seed = 1) {
  const users = ["alice", "bob", "carol", "dave", "erin"];
  const paths = ["/cart", "/checkout", "/login", "/search", "/items"];
  const out = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(`INFO request ${paths[x % 5]} user=${users[(x >> 8) % 5]} status=200 latency_ms=${20 + (x % 30)}`);
  }
  return out;
}

/** A unique name, so tests never collide with each other or with seed data. */
export function uniqueName(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Waits until `fn` returns a truthy value, polling. */
export async function eventually(fn, { timeoutMs = 10000, intervalMs = 200 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
