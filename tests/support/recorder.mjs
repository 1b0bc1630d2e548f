#!/usr/bin/env node
// A local stand-in for the Stripe API and an email provider (Resend's API shape) at the HTTP
// boundary: the Worker's outbound calls go here in tests, answers are built from Stripe's own
// OpenAPI fixtures, and every request is recorded for the black-box tests to inspect.
//
// Usage: node tests/support/recorder.mjs --port N        (N = 0 picks a free port)
//   env STRIPE_FIXTURES  path of fixtures3.json (default ../shared/data/stripe/fixtures3.json,
//                        relative to the repository root)
// Prints "recorder listening on http://127.0.0.1:N" once ready. Node's standard library only.
//
// Stripe (Authorization: Bearer sk_test_... required, 401 otherwise; form-encoded bodies;
// Idempotency-Key replays the first answer like Stripe does):
//   POST /v1/checkout/sessions        -> checkout.session, url http://127.0.0.1:N/checkout/<id>
//   POST /v1/billing_portal/sessions  -> billing_portal.session, url http://127.0.0.1:N/portal/<id>
//   POST /v1/billing/meter_events     -> billing.meter_event; a repeated `identifier` returns the
//                                        first object and is not recorded again
//   POST /v1/customers                -> customer
//   GET  /v1/{customers,checkout/sessions,billing_portal/sessions,subscriptions,invoices,prices}/<id>
// Email (Authorization: Bearer <any key> required; JSON body):
//   POST /emails                      -> {"id": "<uuid>"}
// Test control (no auth):
//   GET  /__requests[?path=/emails]   -> [{method, path, query, headers (no authorization), body, status, at}]
//   GET  /__meter_events              -> the distinct meter events, with how many times each was sent
//   POST /__reset                     -> forget requests, objects, failures and idempotency keys
//   POST /__fail?times=N&path=/emails[&status=500] -> the next N calls to that path answer `status`
//   GET  /checkout/<id>, /portal/<id> -> a tiny HTML page standing in for Stripe's hosted pages
//   GET  /auth/v1/.well-known/jwks.json -> Supabase Auth's JWKS (an ES256 key made at start)
//   POST /__auth/token {claims} -> {access_token}: those claims signed ES256 with that key
import { generateKeyPairSync, randomBytes, randomUUID, sign as signBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MAX_BODY = 1024 * 1024;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function parseArgs(argv) {
  const args = { port: 0, host: "127.0.0.1" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") args.port = Number(value());
    else if (flag === "--host") args.host = value();
    else if (flag === "--help" || flag === "-h") {
      console.log("usage: node tests/support/recorder.mjs --port N [--host 127.0.0.1]");
      process.exit(0);
    } else {
      console.error(`recorder: unknown argument ${argv[i]} (usage: --port N)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    console.error(`recorder: --port must be 0..65535, got ${args.port}`);
    process.exit(2);
  }
  return args;
}

function loadFixtures() {
  const path = process.env.STRIPE_FIXTURES
    ? resolve(process.cwd(), process.env.STRIPE_FIXTURES)
    : resolve(repoRoot, "../shared/data/stripe/fixtures3.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")).resources;
  } catch (e) {
    console.error(`recorder: cannot read Stripe fixtures at ${path} (set STRIPE_FIXTURES): ${e.message}`);
    process.exit(1);
  }
}

const fixtures = loadFixtures();
const fixture = (name) => structuredClone(fixtures[name]);
const now = () => Math.floor(Date.now() / 1000);
const stripeId = (prefix) => `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;

/** Parses Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
function parseForm(text) {
  const root = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const head = key.split("[", 1)[0];
    const rest = [...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
    const path = [head, ...rest];
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i];
      if (seg === "" && Array.isArray(node)) seg = String(node.length);
      const last = i === path.length - 1;
      if (last) {
        node[seg] = value;
      } else {
        if (node[seg] === undefined || typeof node[seg] !== "object") {
          node[seg] = /^\d*$/.test(path[i + 1]) ? [] : {};
        }
        node = node[seg];
      }
    }
  }
  return root;
}

const asBool = (v) => (v === undefined ? undefined : v === true || v === "true");

class Recorder {
  constructor() {
    this.reset();
  }
  reset() {
    this.requests = [];
    this.failures = []; // {path, remaining, status}
    this.meterEvents = new Map(); // identifier -> {event, attempts}
    this.idempotent = new Map(); // `${path} ${key}` -> {status, body}
    this.objects = new Map(); // id -> object created here
  }
}

const state = new Recorder();
let baseUrl = "";

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const stripeError = (status, message, extra = {}) => [
  status,
  { error: { type: "invalid_request_error", message, ...extra } },
];

function missing(param) {
  return stripeError(400, `Missing required param: ${param}.`, { code: "parameter_missing", param });
}

// ---- Stripe handlers: each takes the parsed body and returns [status, json] ----

function createCheckoutSession(p) {
  if (!p.mode) return missing("mode");
  if (!p.success_url && p.ui_mode !== "embedded") return missing("success_url");
  if (p.mode !== "setup" && !(Array.isArray(p.line_items) && p.line_items.length)) return missing("line_items");
  const id = `cs_test_${randomBytes(24).toString("hex")}`;
  const s = fixture("checkout.session");
  Object.assign(s, {
    id,
    object: "checkout.session",
    url: `${baseUrl}/checkout/${id}`,
    mode: p.mode,
    status: "open",
    payment_status: p.mode === "setup" ? "no_payment_required" : "unpaid",
    created: now(),
    expires_at: now() + 24 * 3600,
    success_url: p.success_url ?? null,
    cancel_url: p.cancel_url ?? null,
    allow_promotion_codes: asBool(p.allow_promotion_codes) ?? null,
    client_reference_id: p.client_reference_id ?? null,
    customer: p.customer ?? null,
    customer_email: p.customer_email ?? null,
    metadata: p.metadata ?? {},
    payment_intent: null,
    subscription: null,
    livemode: false,
  });
  s.line_items = {
    object: "list",
    has_more: false,
    url: `/v1/checkout/sessions/${id}/line_items`,
    data: (p.line_items ?? []).map((li) => {
      const price = { ...fixture("price"), ...(li.price ? { id: li.price } : {}) };
      return { id: stripeId("li"), object: "item", price, quantity: Number(li.quantity ?? 1) };
    }),
  };
  if (p.subscription_data) s.subscription_data = p.subscription_data; // echoed for tests to inspect
  state.objects.set(id, s);
  return [200, s];
}

function createPortalSession(p) {
  if (!p.customer) return missing("customer");
  const id = stripeId("bps");
  const s = fixture("billing_portal.session");
  Object.assign(s, {
    id,
    customer: p.customer,
    return_url: p.return_url ?? null,
    url: `${baseUrl}/portal/${id}`,
    created: now(),
    livemode: false,
    flow: null,
    configuration: p.configuration ?? s.configuration,
  });
  state.objects.set(id, s);
  return [200, s];
}

function createMeterEvent(p) {
  if (!p.event_name) return missing("event_name");
  if (!p.payload?.stripe_customer_id) return missing("payload[stripe_customer_id]");
  if (p.payload?.value === undefined) return missing("payload[value]");
  const identifier = p.identifier ?? randomUUID();
  const seen = state.meterEvents.get(identifier);
  if (seen) {
    seen.attempts += 1;
    return [200, seen.event, { duplicate: true }];
  }
  const e = fixture("billing.meter_event");
  Object.assign(e, {
    identifier,
    event_name: p.event_name,
    payload: p.payload,
    timestamp: p.timestamp ? Number(p.timestamp) : now(),
    created: now(),
    livemode: false,
  });
  state.meterEvents.set(identifier, { event: e, attempts: 1 });
  return [200, e];
}

function createCustomer(p) {
  const c = fixture("customer");
  Object.assign(c, {
    id: stripeId("cus"),
    email: p.email ?? null,
    name: p.name ?? null,
    description: p.description ?? null,
    metadata: p.metadata ?? {},
    created: now(),
    livemode: false,
    discount: null,
  });
  state.objects.set(c.id, c);
  return [200, c];
}

const retrievable = {
  customers: "customer",
  "checkout/sessions": "checkout.session",
  "billing_portal/sessions": "billing_portal.session",
  subscriptions: "subscription",
  invoices: "invoice",
  prices: "price",
};

function retrieve(path) {
  for (const [prefix, name] of Object.entries(retrievable)) {
    const m = path.match(new RegExp(`^/v1/${prefix}/([A-Za-z0-9_]+)$`));
    if (m) {
      const known = state.objects.get(m[1]);
      return [200, known ?? { ...fixture(name), id: m[1] }];
    }
  }
  return null;
}

// ---- Email (Resend shape) ----

const emailIds = new Map(); // Idempotency-Key -> id
function sendEmail(body, headers) {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return [422, { statusCode: 422, name: "validation_error", message: "The request body must be a JSON object." }];
  }
  for (const field of ["from", "to", "subject"]) {
    if (!body[field] || (Array.isArray(body[field]) && body[field].length === 0)) {
      return [422, { statusCode: 422, name: "validation_error", message: `Missing \`${field}\` field.` }];
    }
  }
  if (!body.html && !body.text) {
    return [422, { statusCode: 422, name: "validation_error", message: "Missing `html` or `text` field." }];
  }
  const key = headers["idempotency-key"];
  if (key && emailIds.has(key)) return [200, { id: emailIds.get(key) }];
  const id = randomUUID();
  if (key) emailIds.set(key, id);
  return [200, { id }];
}

// ---- HTTP plumbing ----

function readBody(req) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(text, contentType = "") {
  if (!text) return null;
  if (contentType.includes("application/json")) {
    try {
      return JSON.parse(text);
    } catch {
      return { __unparsed: text };
    }
  }
  if (contentType.includes("application/x-www-form-urlencoded")) return parseForm(text);
  return text;
}

function bearer(headers) {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
  return m ? m[1] : null;
}

function headersWithoutSecrets(headers) {
  const out = { ...headers };
  delete out.authorization;
  delete out.cookie;
  return out;
}

function takeFailure(path) {
  const rule = state.failures.find((f) => f.path === path && f.remaining > 0);
  if (!rule) return null;
  rule.remaining -= 1;
  return rule.status;
}

function page(title, id) {
  const safe = String(id).replace(/[^A-Za-z0-9_]/g, "");
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p id="session">${safe}</p>`;
}

async function handle(req, res) {
  const url = new URL(req.url, baseUrl);
  const path = url.pathname;
  const method = req.method ?? "GET";

  // Test control routes are not recorded.
  if (path === "/__requests" && method === "GET") {
    const only = url.searchParams.get("path");
    return send(res, 200, only ? state.requests.filter((r) => r.path === only) : state.requests);
  }
  if (path === "/__meter_events" && method === "GET") {
    return send(res, 200, [...state.meterEvents.values()].map(({ event, attempts }) => ({ ...event, attempts })));
  }
  if (path === "/__reset" && method === "POST") {
    state.reset();
    emailIds.clear();
    return send(res, 200, { ok: true });
  }
  if (path === "/__fail" && method === "POST") {
    const times = Number(url.searchParams.get("times") ?? "1");
    const target = url.searchParams.get("path");
    const status = Number(url.searchParams.get("status") ?? "500");
    if (!target || !Number.isInteger(times) || times < 0 || !(status >= 400 && status <= 599)) {
      return send(res, 400, { error: "need ?times=N&path=/some/path[&status=5xx]" });
    }
    state.failures = state.failures.filter((f) => f.path !== target);
    state.failures.push({ path: target, remaining: times, status });
    return send(res, 200, { path: target, times, status });
  }
  if (method === "GET" && (path.startsWith("/checkout/") || path.startsWith("/portal/"))) {
    const [, kind, id] = path.split("/");
    return send(res, 200, page(kind === "checkout" ? "Checkout (recorder)" : "Billing portal (recorder)", id));
  }

  let text;
  try {
    text = await readBody(req);
  } catch (e) {
    return send(res, e.status ?? 400, { error: { type: "invalid_request_error", message: e.message } });
  }
  const record = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    headers: headersWithoutSecrets(req.headers),
    body: parseBody(text, req.headers["content-type"]),
    status: 0,
    at: new Date().toISOString(),
  };
  const answer = (status, body, headers = {}, { keep = true } = {}) => {
    record.status = status;
    if (keep) state.requests.push(record);
    send(res, status, body, headers);
  };

  // Supabase Auth stand-in: the project's JWKS (ES256, a key made at start) and a token
  // endpoint for tests, since GoTrue cannot run here.
  if (path === "/auth/v1/.well-known/jwks.json" && method === "GET") {
    return send(res, 200, { keys: [authKey.jwk] });
  }
  if (path === "/__auth/token" && method === "POST") {
    const claims = record.body && typeof record.body === "object" ? record.body : {};
    return send(res, 200, { access_token: authKey.sign(claims), token_type: "bearer", kid: authKey.jwk.kid });
  }

  if (path.startsWith("/v1/")) {
    const requestId = { "request-id": stripeId("req") };
    const key = bearer(req.headers);
    if (!key || !key.startsWith("sk_test_")) {
      const [s, b] = stripeError(
        401,
        key
          ? "Invalid API Key provided: the recorder accepts only test-mode secret keys (sk_test_...)."
          : "You did not provide an API key. Provide it in the Authorization header: Bearer sk_test_...",
      );
      return answer(s, b, requestId);
    }
    const failStatus = takeFailure(path);
    if (failStatus) {
      return answer(failStatus, { error: { type: "api_error", message: "Injected failure (recorder /__fail)." } }, requestId);
    }
    if (method === "GET") {
      const found = retrieve(path);
      if (found) return answer(found[0], found[1], requestId);
    }
    const routes = {
      "POST /v1/checkout/sessions": createCheckoutSession,
      "POST /v1/billing_portal/sessions": createPortalSession,
      "POST /v1/billing/meter_events": createMeterEvent,
      "POST /v1/customers": createCustomer,
    };
    const route = routes[`${method} ${path}`];
    if (!route) {
      const [s, b] = stripeError(404, `Unrecognized request URL (${method}: ${path}).`);
      return answer(s, b, requestId);
    }
    const params = record.body && typeof record.body === "object" ? record.body : {};
    const idemKey = req.headers["idempotency-key"];
    const idemSlot = idemKey ? `${path} ${idemKey}` : null;
    if (idemSlot && state.idempotent.has(idemSlot)) {
      const prior = state.idempotent.get(idemSlot);
      record.replayed = true;
      return answer(prior.status, prior.body, { ...requestId, "idempotent-replayed": "true" });
    }
    const [status, body, flags = {}] = route(params);
    if (idemSlot && status < 500) state.idempotent.set(idemSlot, { status, body });
    // A repeated meter event identifier is not a second billable event: do not record it again.
    return answer(status, body, requestId, { keep: !flags.duplicate });
  }

  if (path === "/emails" && method === "POST") {
    if (!bearer(req.headers)) {
      return answer(401, { statusCode: 401, name: "missing_api_key", message: "Missing API key in the authorization header." });
    }
    const failStatus = takeFailure(path);
    if (failStatus) {
      return answer(failStatus, { statusCode: failStatus, name: "application_error", message: "Injected failure (recorder /__fail)." });
    }
    const [status, body] = sendEmail(record.body, req.headers);
    return answer(status, body);
  }

  return answer(404, { error: `no route for ${method} ${path}` });
}

/** The stand-in Supabase Auth signing key (P-256, ES256), fresh for each recorder. */
const authKey = (() => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: `local-${randomUUID().slice(0, 8)}`, alg: "ES256", use: "sig" };
  const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  const sign = (claims) => {
    const input = `${b64({ alg: "ES256", typ: "JWT", kid: jwk.kid })}.${b64(claims)}`;
    const sig = signBytes("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${sig.toString("base64url")}`;
  };
  return { jwk, sign };
})();

const { port, host } = parseArgs(process.argv.slice(2));
const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(`recorder: ${req.method} ${req.url} failed: ${e.stack ?? e}`);
    if (!res.headersSent) send(res, 500, { error: "recorder bug, see its stderr" });
  });
});
server.on("error", (e) => {
  console.error(`recorder: cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const actual = server.address().port;
  baseUrl = `http://${host}:${actual}`;
  console.log(`recorder listening on ${baseUrl}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
