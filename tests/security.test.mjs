// Letting no one in: forged and stale credentials, other tenants' ids, replayed webhooks,
// hostile bodies and headers, per-key rate limits, and secrets kept out of the logs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { randomUUID } from "node:crypto";
import { api, errorOf, uniqueName } from "./support/api.mjs";
import { freshOrg, sql } from "./support/db.mjs";
import { seed, signJwt, stack, userToken } from "./support/stack.mjs";
import { deliver, signature, stripeEvent, subscriptionFor } from "./support/stripe.mjs";

// Everything secret this file sends, checked against the Worker's log at the end.
const sent = { tokens: [], keys: [seed.acme.apiKey, seed.globex.apiKey], markers: [] };
const remember = (token) => (sent.tokens.push(token), token);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const acmeOwner = () => remember(userToken(seed.users.acmeOwner));
const globexOwner = () => remember(userToken(seed.users.globexOwner));

async function refused(token, why) {
  const res = await api("/me", { auth: remember(token) });
  assert.equal(res.status, 401, `${why}: expected 401, got ${res.status} ${res.text}`);
  errorOf(res);
  return res;
}

test("a token with alg none is refused, even with the right claims", async () => {
  const claims = { aud: "authenticated", role: "authenticated", sub: seed.users.acmeOwner.id, exp: now() + 3600 };
  await refused(`${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`, "alg none, empty signature");
  await refused(`${b64({ alg: "NONE", typ: "JWT" })}.${b64(claims)}.${b64("x")}`, "alg NONE with junk signature");
});

test("an HS256 token signed with another secret is refused", async () => {
  const forged = userToken(seed.users.acmeOwner);
  const [h, p] = forged.split(".");
  await refused(signJwt(JSON.parse(Buffer.from(p, "base64url")), "another-secret-that-is-at-least-32-characters"), "wrong secret");
  await refused(`${h}.${p}.${Buffer.alloc(32).toString("base64url")}`, "zero signature");
});

test("an expired token, a token for another audience and a token from the future are refused", async () => {
  const t = now();
  await refused(userToken(seed.users.acmeOwner, { iat: t - 7200, exp: t - 3600 }), "expired an hour ago");
  await refused(userToken(seed.users.acmeOwner, { aud: "service" }), "wrong audience");
  await refused(userToken(seed.users.acmeOwner, { aud: undefined }), "no audience");
  await refused(userToken(seed.users.acmeOwner, { nbf: t + 3600 }), "not valid for an hour");
});

test("service_role and anon tokens are not user tokens", async () => {
  const t = now();
  await refused(signJwt({ iss: "supabase", role: "service_role", iat: t, exp: t + 3600 }), "the service-role key");
  await refused(userToken(seed.users.acmeOwner, { role: "service_role" }), "a user token claiming service_role");
  await refused(signJwt({ iss: "supabase", role: "anon", iat: t, exp: t + 3600 }), "the anon key");
  await refused(userToken(seed.users.acmeOwner, { role: "anon" }), "a user token with role anon");
});

test("a revoked API key stops working everywhere at once", async () => {
  const org = freshOrg(uniqueName("revoked"));
  sent.keys.push(org.apiKey);
  assert.equal((await api("/usage", { auth: org.apiKey })).status, 200);
  const revoked = await api(`/api-keys/${org.keyId}`, { method: "DELETE", auth: remember(userToken(org.user)) });
  assert.equal(revoked.status, 200, revoked.text);
  for (const [path, method, body] of [["/usage", "GET"], ["/anomalies", "GET"], ["/events", "POST", { stream: "x", events: [{ body: "hi" }] }]]) {
    const res = await api(path, { method, auth: org.apiKey, body });
    assert.equal(res.status, 401, `${method} ${path} with a revoked key: ${res.status} ${res.text}`);
  }
});

test("a key from Globex cannot read, change or even confirm Acme's anomalies and streams by guessing ids", async () => {
  const acmeAnomaly = "a0000000-0000-4000-8000-000000000001";
  const acmeStream = "33333333-3333-4333-8333-333333333331";
  const before = sql(`select (select status from public.anomalies where id = '${acmeAnomaly}') || ' ' || (select sensitivity from public.streams where id = '${acmeStream}')`);
  const read = await api(`/anomalies/${acmeAnomaly}`, { auth: seed.globex.apiKey });
  assert.equal(read.status, 404, read.text);
  const unknown = await api(`/anomalies/${randomUUID()}`, { auth: seed.globex.apiKey });
  assert.equal(unknown.status, 404);
  assert.equal(errorOf(read).message, errorOf(unknown).message, "a foreign id must look exactly like a missing one");
  const patched = await api(`/anomalies/${acmeAnomaly}`, { method: "PATCH", auth: seed.globex.apiKey, body: { status: "dismissed", note: "not yours" } });
  assert.equal(patched.status, 404, patched.text);
  const stream = await api(`/streams/${acmeStream}`, { method: "PATCH", auth: seed.globex.apiKey, body: { sensitivity: 0 } });
  assert.equal(stream.status, 404, stream.text);
  const asUser = await api(`/streams/${acmeStream}`, { method: "PATCH", auth: globexOwner(), body: { sensitivity: 0 } });
  assert.equal(asUser.status, 404, asUser.text);
  assert.equal(sql(`select (select status from public.anomalies where id = '${acmeAnomaly}') || ' ' || (select sensitivity from public.streams where id = '${acmeStream}')`), before);
});

test("Globex's owner cannot revoke Acme's API key, nor act in Acme's organization with X-Org-Id", async () => {
  const acmeKeyId = "d1000000-0000-4000-8000-000000000001";
  const res = await api(`/api-keys/${acmeKeyId}`, { method: "DELETE", auth: globexOwner() });
  assert.ok([403, 404].includes(res.status), `${res.status} ${res.text}`);
  assert.equal(sql(`select revoked_at is null from public.api_keys where id = '${acmeKeyId}'`), "t");
  assert.equal((await api("/usage", { auth: seed.acme.apiKey })).status, 200);
  const borrowed = await api("/anomalies", { auth: globexOwner(), headers: { "x-org-id": seed.acme.orgId } });
  assert.equal(borrowed.status, 403, borrowed.text);
});

test("a Stripe webhook replayed outside the 300 s tolerance is refused and changes nothing", async () => {
  const org = freshOrg(uniqueName("replay"));
  const t = now();
  const event = stripeEvent("customer.subscription.updated",
    subscriptionFor(org.orgId, { id: `sub_${randomUUID().slice(0, 8)}`, customer: "cus_replay", price: "price_local_growth", start: t, end: t + 2592000 }));
  const payload = JSON.stringify(event);
  for (const age of [301, 3600]) {
    const res = await deliver(event, { payload, header: signature(payload, { timestamp: t - age }) });
    assert.equal(res.status, 401, `signed ${age} s ago: ${res.status} ${res.text}`);
    assert.match(errorOf(res).message, /tolerance|old/);
  }
  const future = await deliver(event, { payload, header: signature(payload, { timestamp: t + 600 }) });
  assert.equal(future.status, 401, future.text);
  assert.equal(sql(`select plan_id from public.organizations where id = '${org.orgId}'`), "developer");
  assert.equal(sql(`select count(*) from public.stripe_events where id = '${event.id}'`), "0");
});

test("oversized and deeply nested bodies are refused with 413 and 400, never a 5xx", async () => {
  const big = JSON.stringify({ stream: "big", events: [{ body: "x".repeat(1024 * 1024 + 10) }] });
  const tooBig = await api("/events", { method: "POST", auth: seed.acme.apiKey, body: big, headers: { "content-type": "application/json" } });
  assert.equal(tooBig.status, 413, tooBig.text.slice(0, 200));
  errorOf(tooBig);
  const nested = `{"stream":"deep","events":[{"body":${"[".repeat(5000)}${"]".repeat(5000)}}]}`;
  const deep = await api("/events", { method: "POST", auth: seed.acme.apiKey, body: nested, headers: { "content-type": "application/json" } });
  assert.equal(deep.status, 400, deep.text.slice(0, 200));
  const smallRoute = await api("/streams", { method: "POST", auth: seed.acme.apiKey, body: JSON.stringify({ name: "x".repeat(70 * 1024) }) });
  assert.equal(smallRoute.status, 413, smallRoute.text.slice(0, 200));
  const deepSmall = await api("/anomalies", { method: "POST", auth: seed.acme.apiKey, body: `{"stream":"x","metadata":${"{\"a\":".repeat(3000)}1${"}".repeat(3000)}}` });
  assert.ok([400, 422].includes(deepSmall.status), `${deepSmall.status} ${deepSmall.text.slice(0, 200)}`);
  const hook = await api("/stripe-webhook", { method: "POST", body: "x".repeat(300 * 1024), headers: { "stripe-signature": "t=1,v1=00" } });
  assert.ok([401, 413].includes(hook.status), `${hook.status}`);
});

/** Sends a raw HTTP/1.1 request (fetch refuses CR/LF in headers) and returns the raw response head. */
function rawRequest(lines) {
  const url = new URL(stack.apiUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname, () => sock.end(`${lines.join("\r\n")}\r\n\r\n`));
    let data = "";
    sock.on("data", (d) => (data += d));
    sock.on("end", () => resolve(data));
    sock.on("error", reject);
    sock.setTimeout(10000, () => sock.destroy(new Error("raw request timed out")));
  });
}

test("values echoed back cannot inject headers or reflect a stranger's origin", async () => {
  const evil = await api("/health", { headers: { "x-request-id": "ok-looking<script>alert(1)</script>", origin: "https://evil.example" } });
  assert.notEqual(evil.headers.get("x-request-id"), "ok-looking<script>alert(1)</script>");
  assert.match(evil.headers.get("x-request-id"), /^[A-Za-z0-9_-]{1,64}$/);
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  const plain = await api("/health", { headers: { "x-request-id": "trace-123_abc" } });
  assert.equal(plain.headers.get("x-request-id"), "trace-123_abc");
  const host = new URL(stack.apiUrl).host;
  const encoded = await rawRequest([`GET /anomalies/%0d%0aSet-Cookie:%20pwned=1 HTTP/1.1`, `Host: ${host}`, "Connection: close"]);
  assert.doesNotMatch(encoded.split("\r\n\r\n")[0], /set-cookie/i);
  const injected = await rawRequest(["GET /health HTTP/1.1", `Host: ${host}`, "X-Request-Id: abc\rSet-Cookie: pwned=1", "Connection: close"]);
  assert.doesNotMatch(injected.split("\r\n\r\n")[0], /set-cookie/i);
  const idem = await api("/events", { method: "POST", auth: seed.acme.apiKey, headers: { "idempotency-key": "a b\tc" }, body: { stream: "x", events: [{ body: "x" }] } });
  assert.equal(idem.status, 400);
});

test("an API key that goes past its rate limit gets 429 with Retry-After, and other keys are unaffected", async () => {
  const org = freshOrg(uniqueName("ratelimit"));
  sent.keys.push(org.apiKey);
  // The limiter counts in fixed 60 s windows aligned to the clock (wrangler dev as on Cloudflare):
  // start early in a window so 600+ requests fit in one.
  const left = 60000 - (Date.now() % 60000);
  if (left < 40000) await new Promise((r) => setTimeout(r, left + 300));
  let limited;
  let sentCount = 0;
  for (let round = 0; round < 45 && !limited; round++) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => api("/streams", { auth: org.apiKey })));
    sentCount += batch.length;
    for (const r of batch) assert.ok([200, 429].includes(r.status), `${r.status} ${r.text}`);
    limited = batch.find((r) => r.status === 429);
  }
  assert.ok(limited, `no 429 after ${sentCount} requests (limit 600 per 60 s)`);
  assert.ok(sentCount > 600 - 20, `limited after only ${sentCount} requests`);
  assert.ok(Number(limited.headers.get("retry-after")) > 0, "429 without Retry-After");
  assert.equal(errorOf(limited).code, "rate_limited");
  assert.equal((await api("/streams", { auth: seed.acme.apiKey })).status, 200, "another key was limited too");
});

test("the Worker's log holds no secrets, keys, tokens or event bodies", async (t) => {
  const state = process.env.STACK_STATE;
  const logPath = state && `${state}/logs/worker.log`;
  if (!logPath || !existsSync(logPath)) return t.skip("no STACK_STATE worker log (run through scripts/test)");
  const marker = `secret-body-${randomUUID()}`;
  sent.markers.push(marker);
  const ok = await api("/events", { method: "POST", auth: seed.acme.apiKey, body: { stream: uniqueName("logcheck"), events: [{ body: marker }, { body: { note: marker } }] } });
  assert.equal(ok.status, 200, ok.text);
  const bad = await api("/events", { method: "POST", auth: seed.acme.apiKey, body: { stream: "logcheck", events: [{ body: marker, type: "nonsense" }] } });
  assert.equal(bad.status, 422);
  await api("/me", { auth: remember(signJwt({ sub: marker }, "wrong-secret-wrong-secret-wrong-secret!")) });
  await new Promise((r) => setTimeout(r, 500));  // let wrangler flush the lines

  const devVars = Object.fromEntries(readFileSync(`${state}/worker/.dev.vars`, "utf8").split("\n").filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const secrets = {
    "service-role key": devVars.SUPABASE_SERVICE_ROLE_KEY, "JWT secret": stack.jwtSecret,
    "Stripe webhook secret": stack.stripeWebhookSecret, "Stripe secret key": devVars.STRIPE_SECRET_KEY,
    "email API key": devVars.EMAIL_API_KEY,
  };
  const log = readFileSync(logPath, "utf8");
  assert.ok(log.includes('"path":"/events"'), "the log does not look like the Worker's request log");
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(value && value.length > 8, `${name} is not known to the test`);
    assert.ok(!log.includes(value), `the ${name} appears in ${logPath}`);
  }
  for (const key of sent.keys) assert.ok(!log.includes(key.slice(12)), `an API key secret appears in ${logPath}`);
  for (const token of sent.tokens) {
    const sig = token.split(".")[2];
    assert.ok(!log.includes(token) && !(sig && sig.length > 16 && log.includes(sig)), `a user token appears in ${logPath}`);
  }
  for (const m of sent.markers) assert.ok(!log.includes(m), `an event body appears in ${logPath}`);
});
