// A small in-memory stand-in for the Worker, shaped like the README's API, for developing the
// dashboard and its browser tests before the real stack runs. Not a test of the real thing:
// scripts/test runs the browser tests against wrangler dev + PostgREST + Postgres.
//
//   node tests/browser/support/fake-api.mjs 55601   # also serves a fake Stripe recorder under /__recorder
import { createServer } from "node:http";
import { randomUUID, createHash } from "node:crypto";

const port = Number(process.argv[2] ?? 55601);
const base = `http://127.0.0.1:${port}`;
const ACME = "11111111-1111-4111-8111-111111111111";
const now = () => new Date().toISOString();
const ago = (min) => new Date(Date.now() - min * 60000).toISOString();

const plans = [
  { id: "developer", name: "Developer", price_cents: 0, included_detections: 1000, overage_cents_per_detection: null, blocks_at_limit: true },
  { id: "standard", name: "Standard", price_cents: 4900, included_detections: 50000, overage_cents_per_detection: 0.1, blocks_at_limit: false },
  { id: "growth", name: "Growth", price_cents: 24900, included_detections: 500000, overage_cents_per_detection: 0.05, blocks_at_limit: false },
];
const streams = [
  { id: "33333333-3333-4333-8333-333333333331", name: "checkout-api", event_type: "log", compressor: "zstd", sensitivity: 0.5, baseline_size: 400, window_size: 50, created_at: ago(5000), updated_at: ago(5000) },
  { id: "33333333-3333-4333-8333-333333333332", name: "payments-latency", event_type: "metric", compressor: "deflate", sensitivity: 0.7, baseline_size: 400, window_size: 50, created_at: ago(5000), updated_at: ago(5000) },
];
let seq = 0;
const anomalies = [];
const history = new Map();
function addAnomaly(stream, body, severity, status = "open", minutesAgo = 0) {
  const s = streams.find((x) => x.name === stream);
  const a = {
    id: randomUUID(), seq: ++seq, stream_id: s.id, stream, event_type: s.event_type, event_excerpt: body, metadata: { host: "a1" },
    metrics: { conditional_bits_per_byte: 5.1, compression_ratio: 1.2, entropy: 4.3, ncd: null }, p_value: 0.004, score: 0.97,
    severity, novel: [[0, Math.min(5, body.length)]], explanation: "The first bytes found no match in the baseline.",
    status, status_changed_by: null, status_changed_at: null, detected_at: ago(minutesAgo),
  };
  anomalies.push(a);
  history.set(a.id, []);
  return a;
}
addAnomaly("checkout-api", "ERROR db timeout after 30000 ms on pool checkout-primary", "high", "open", 50);
addAnomaly("payments-latency", "p99=2300ms provider=stripe region=eu-west-1", "medium", "acknowledged", 40);
addAnomaly("checkout-api", "WARN retry budget exhausted for card-authorize", "low", "resolved", 30);

const hash = (s) => createHash("sha256").update(s).digest("hex");
const keys = [{ id: randomUUID(), name: "demo key", prefix: "dl_demo0001", scopes: ["events:write"], created_at: ago(9000), last_used_at: null, revoked_at: null,
  hash: hash("dl_demo0001_0123456789abcdef0123456789abcdef") }];
const recorder = [];
const clients = new Set();

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", "X-Request-Id": randomUUID(), ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}
const err = (res, status, code, message) => send(res, status, { error: { code, message, request_id: randomUUID() } });

function principal(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  if (!m) return null;
  const t = m[1];
  if (t.startsWith("dl_")) {
    const k = keys.find((k) => k.hash === hash(t) && !k.revoked_at);
    if (!k) return null;
    k.last_used_at = now();
    return { kind: "key" };
  }
  return t.split(".").length === 3 ? { kind: "user" } : null;
}

async function readBody(req) {
  let s = "";
  for await (const c of req) s += c;
  return s ? JSON.parse(s) : {};
}

function usage() {
  const detected = anomalies.length;
  const daily = {};
  for (const a of anomalies) daily[a.detected_at.slice(0, 10)] = (daily[a.detected_at.slice(0, 10)] ?? 0) + 1;
  const d = new Date();
  const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
  return {
    period_start: start, period_end: end, plan: "developer", included: 1000, events_scored: 4200 + detected, anomalies_detected: 742 + detected,
    remaining: 1000 - 742 - detected, percent_used: (742 + detected) / 10, thresholds: [70, 90, 100, 120],
    alerts_sent: [{ threshold: 70, sent_at: ago(600) }], soft_cap_passed: false, blocked: false,
    daily: [{ day: start.slice(0, 10), events: 900, anomalies: 300 }, { day: new Date(Date.now() - 86400000 * 2).toISOString().slice(0, 10), events: 3000, anomalies: 442 },
      ...Object.entries(daily).map(([day, n]) => ({ day, events: n * 10, anomalies: n }))],
  };
}

function broadcast(a) {
  for (const c of clients) c.write(`id: ${a.seq}\nevent: anomaly\ndata: ${JSON.stringify(a)}\n\n`);
}

createServer(async (req, res) => {
  res.setHeader("Access-Control-Allow-Origin", req.headers.origin ?? "*");
  res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Org-Id, X-Request-Id");
  res.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
  res.setHeader("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
  if (req.method === "OPTIONS") return send(res, 204);
  const url = new URL(req.url, base);
  const p = url.pathname.split("/").filter(Boolean);
  const route = `${req.method} /${p.map((s, i) => (i > 0 && /[0-9a-f-]{36}/.test(s) ? ":id" : s)).join("/")}`;
  try {
    if (route === "GET /__recorder/requests") return send(res, 200, recorder);
    if (p[0] === "__recorder") return send(res, 200, { ok: true });
    if (route === "GET /health") return send(res, 200, { ok: true });
    const who = principal(req);
    if (!who) return err(res, 401, "unauthorized", "missing or invalid credentials");
    switch (route) {
      case "GET /me":
        return send(res, 200, { user_id: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", email: "demo@driftlock.dev", orgs: [{ id: ACME, name: "Acme Demo", role: "owner", plan: "developer" }] });
      case "GET /anomalies": {
        const q = url.searchParams;
        let list = [...anomalies].sort((a, b) => b.seq - a.seq);
        for (const f of ["stream", "status", "severity"]) if (q.get(f)) list = list.filter((a) => a[f] === q.get(f));
        if (q.get("cursor")) list = list.filter((a) => a.seq < Number(q.get("cursor")));
        const limit = Number(q.get("limit") ?? 50);
        const page = list.slice(0, limit);
        return send(res, 200, { data: page, next_cursor: list.length > limit ? String(page.at(-1).seq) : null });
      }
      case "POST /anomalies": {
        const b = await readBody(req);
        const a = addAnomaly(streams.some((s) => s.name === b.stream) ? b.stream : "checkout-api", b.event_excerpt, b.severity);
        Object.assign(a, { novel: [], score: b.score, p_value: b.p_value ?? null, explanation: b.explanation ?? "Recorded by hand.", metadata: b.metadata ?? {} });
        setTimeout(() => broadcast(a), 300);
        return send(res, 201, a);
      }
      case "GET /anomalies/stream": {
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
        res.write("retry: 1000\n\n");
        const last = Number(req.headers["last-event-id"] ?? seq);
        for (const a of anomalies.filter((a) => a.seq > last)) res.write(`id: ${a.seq}\nevent: anomaly\ndata: ${JSON.stringify(a)}\n\n`);
        clients.add(res);
        const t = setTimeout(() => res.end(), 25000);
        req.on("close", () => { clients.delete(res); clearTimeout(t); });
        return;
      }
      case "GET /anomalies/:id": {
        const a = anomalies.find((x) => x.id === p[1]);
        return a ? send(res, 200, { ...a, history: history.get(a.id) }) : err(res, 404, "not_found", "no anomaly with that id");
      }
      case "PATCH /anomalies/:id": {
        const a = anomalies.find((x) => x.id === p[1]);
        if (!a) return err(res, 404, "not_found", "no anomaly with that id");
        const b = await readBody(req);
        history.get(a.id).push({ from_status: a.status, to_status: b.status, changed_by: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", note: b.note ?? null, changed_at: now() });
        Object.assign(a, { status: b.status, status_changed_at: now(), status_changed_by: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" });
        return send(res, 200, { ...a, history: history.get(a.id) });
      }
      case "POST /events": {
        if (who.kind !== "key") return err(res, 403, "forbidden", "events need an API key");
        const b = await readBody(req);
        if (!streams.some((s) => s.name === b.stream)) {
          streams.push({ id: randomUUID(), name: b.stream, event_type: "log", compressor: "zstd", sensitivity: 0.5, baseline_size: 400, window_size: 50, created_at: now(), updated_at: now() });
        }
        const verdicts = b.events.map((e, index) => {
          if (e.body.startsWith("INFO")) return { index, score: 0.1, p_value: 0.6, anomaly: false, severity: "low", metrics: {}, novel: [], explanation: "" };
          const a = addAnomaly(b.stream, e.body, "high");
          setTimeout(() => broadcast(a), 300);
          return { index, score: 0.97, p_value: 0.004, anomaly: true, severity: "high", metrics: a.metrics, novel: a.novel, explanation: a.explanation, anomaly_id: a.id };
        });
        return send(res, 200, { stream: b.stream, accepted: verdicts.length, verdicts, usage: { plan: "developer", included: 1000, used: 17, remaining: 983, soft_cap_passed: false, blocked: false } });
      }
      case "GET /usage": return send(res, 200, usage());
      case "GET /subscription":
        return send(res, 200, { plan: plans[0], status: "free", current_period_start: null, current_period_end: null, cancel_at_period_end: false, invoices: [
          { id: "in_1", number: "DL-0001", status: "paid", amount_due: 4900, amount_paid: 4900, currency: "usd", hosted_invoice_url: "https://invoice.stripe.com/i/test", created: 1790000000 }], plans });
      case "POST /subscription/checkout": {
        const b = await readBody(req);
        const id = `cs_test_${randomUUID().slice(0, 8)}`;
        const session = { id, url: `https://checkout.stripe.com/c/pay/${id}`, plan: b.plan };
        recorder.push({ path: "/v1/checkout/sessions", response: session });
        return send(res, 200, { url: session.url, id });
      }
      case "POST /subscription/portal": return err(res, 409, "conflict", "this organization has no Stripe customer yet: upgrade through Checkout first");
      case "GET /streams": return send(res, 200, { data: streams });
      case "POST /streams": {
        const b = await readBody(req);
        const s = { id: randomUUID(), compressor: "zstd", sensitivity: 0.5, baseline_size: 400, window_size: 50, created_at: now(), updated_at: now(), ...b };
        streams.push(s);
        return send(res, 201, s);
      }
      case "PATCH /streams/:id": {
        const s = streams.find((x) => x.id === p[1]);
        if (!s) return err(res, 404, "not_found", "no stream with that id");
        Object.assign(s, await readBody(req), { updated_at: now() });
        return send(res, 200, s);
      }
      case "GET /api-keys": return send(res, 200, { data: keys.map(({ hash: _h, ...k }) => k) });
      case "POST /api-keys": {
        const b = await readBody(req);
        const prefix = `dl_${randomUUID().slice(0, 8)}`;
        const secret = `${prefix}_${randomUUID().replace(/-/g, "")}`;
        const k = { id: randomUUID(), name: b.name, prefix, scopes: ["events:write", "anomalies:read"], created_at: now(), last_used_at: null, revoked_at: null, hash: hash(secret) };
        keys.unshift(k);
        const { hash: _h, ...pub } = k;
        return send(res, 201, { ...pub, secret });
      }
      case "DELETE /api-keys/:id": {
        const k = keys.find((x) => x.id === p[1]);
        if (!k) return err(res, 404, "not_found", "no API key with that id");
        k.revoked_at = now();
        const { hash: _h, ...pub } = k;
        return send(res, 200, pub);
      }
      default: return err(res, 404, "not_found", "no such route");
    }
  } catch (e) {
    return err(res, 400, "bad_request", String(e));
  }
}).listen(port, "127.0.0.1", () => console.error(`fake DriftLock API on ${base}`));
