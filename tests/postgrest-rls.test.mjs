// Tenant isolation through the real PostgREST 12 with Supabase-shaped JWTs: the same rules the
// pgTAP tests prove inside Postgres, seen from HTTP, so roles, grants and exposed schemas are
// right too. Read-only against the seed, except changes that must be refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stack, seed, userToken, serviceRoleToken } from "./support/stack.mjs";

const ACME = seed.acme.orgId;
const GLOBEX = seed.globex.orgId;
const ACME_OPEN_ANOMALY = "a0000000-0000-4000-8000-000000000001";
const ACME_RESOLVED_ANOMALY = "a0000000-0000-4000-8000-000000000003";
const GLOBEX_ANOMALY = "b0000000-0000-4000-8000-000000000001";

/** Calls PostgREST as the holder of `token` (none = anon). Returns {status, body}. */
async function rest(path, { token, method = "GET", body, prefer } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (prefer) headers.Prefer = prefer;
  const res = await fetch(new URL(path, stack.postgrestUrl), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const acmeOwner = () => userToken(seed.users.acmeOwner);
const acmeViewer = () => userToken(seed.users.acmeViewer);
const globexOwner = () => userToken(seed.users.globexOwner);

test("an Acme user sees Acme's anomalies and none of Globex's", async () => {
  const all = await rest("/anomalies?select=id,org_id", { token: acmeOwner() });
  assert.equal(all.status, 200);
  assert.ok(all.body.length > 0, "the Acme owner sees Acme anomalies");
  assert.ok(all.body.every((a) => a.org_id === ACME), "every visible anomaly is Acme's");

  const globex = await rest(`/anomalies?org_id=eq.${GLOBEX}`, { token: acmeOwner() });
  assert.equal(globex.status, 200);
  assert.deepEqual(globex.body, []);

  const byId = await rest(`/anomalies?id=eq.${GLOBEX_ANOMALY}`, { token: acmeOwner() });
  assert.deepEqual(byId.body, [], "not even by id");
});

test("a Globex owner cannot change or inspect Acme's data", async () => {
  const patch = await rest(`/anomalies?id=eq.${ACME_OPEN_ANOMALY}`, {
    token: globexOwner(), method: "PATCH", body: { status: "dismissed" }, prefer: "return=representation",
  });
  assert.equal(patch.status, 200);
  assert.deepEqual(patch.body, [], "the PATCH matched no row");

  const quota = await rest("/rpc/quota_state", { token: globexOwner(), method: "POST", body: { p_org_id: ACME } });
  assert.equal(quota.status, 403);
  assert.equal(quota.body.code, "42501");

  const join = await rest("/organization_members", {
    token: globexOwner(), method: "POST",
    body: { org_id: ACME, user_id: seed.users.globexOwner.id, role: "owner" },
  });
  assert.equal(join.status, 403, "cannot add themselves to another org");
});

test("anonymous callers see nothing", async () => {
  for (const table of ["anomalies", "organizations", "streams", "api_keys", "plans", "usage_periods", "invoices"]) {
    const res = await rest(`/${table}`);
    assert.equal(res.status, 401, `anon reading ${table}`);
    assert.equal(res.body.code, "42501");
  }
  const quota = await rest("/rpc/quota_state", { method: "POST", body: { p_org_id: ACME } });
  assert.equal(quota.status, 401);
});

test("no client can read API key hashes", async () => {
  const listed = await rest("/api_keys?select=id,name,prefix,scopes,last_used_at,revoked_at", { token: acmeOwner() });
  assert.equal(listed.status, 200, "the owner lists keys by their public columns");
  assert.ok(listed.body.length >= 1);
  assert.ok(listed.body.every((k) => !("key_hash" in k)));

  for (const token of [acmeOwner(), acmeViewer(), globexOwner()]) {
    const hash = await rest("/api_keys?select=key_hash", { token });
    assert.equal(hash.status, 403);
    assert.equal(hash.body.code, "42501");
  }
  const star = await rest("/api_keys", { token: acmeOwner() });
  assert.equal(star.status, 403, "select=* includes key_hash, so it is refused as a whole");

  const service = await rest("/api_keys?select=key_hash&limit=1", { token: serviceRoleToken() });
  assert.equal(service.status, 200, "the service role can");
});

test("a viewer can read but not change anomalies", async () => {
  const read = await rest(`/anomalies?id=eq.${ACME_OPEN_ANOMALY}&select=id,status`, { token: acmeViewer() });
  assert.equal(read.status, 200);
  assert.equal(read.body.length, 1);

  const patch = await rest(`/anomalies?id=eq.${ACME_OPEN_ANOMALY}`, {
    token: acmeViewer(), method: "PATCH", body: { status: "dismissed" }, prefer: "return=representation",
  });
  assert.equal(patch.status, 200);
  assert.deepEqual(patch.body, [], "the viewer's PATCH matched no row");

  const rpc = await rest("/rpc/transition_anomaly", {
    token: acmeViewer(), method: "POST", body: { p_anomaly_id: ACME_OPEN_ANOMALY, p_status: "dismissed" },
  });
  assert.equal(rpc.status, 403);
  assert.equal(rpc.body.message, "viewers cannot change anomalies");

  const after = await rest(`/anomalies?id=eq.${ACME_OPEN_ANOMALY}&select=status`, { token: serviceRoleToken() });
  assert.equal(after.body[0].status, read.body[0].status, "the status did not change");
});

test("an invalid status move is a 400 with a clear message", async () => {
  // Whatever state other tests left it in, pick a move that is not allowed from there.
  const invalidFrom = { open: "open", acknowledged: "acknowledged", resolved: "acknowledged", dismissed: "resolved" };
  const now = await rest(`/anomalies?id=eq.${ACME_RESOLVED_ANOMALY}&select=status`, { token: acmeOwner() });
  const from = now.body[0].status;
  const to = invalidFrom[from];
  const res = await rest("/rpc/transition_anomaly", {
    token: acmeOwner(), method: "POST", body: { p_anomaly_id: ACME_RESOLVED_ANOMALY, p_status: to },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, "22023");
  assert.equal(res.body.message, `cannot move anomaly from ${from} to ${to}`);
});

test("an anomaly that does not exist is a 404", async () => {
  const res = await rest("/rpc/transition_anomaly", {
    token: acmeOwner(), method: "POST", body: { p_anomaly_id: "a0000000-0000-4000-8000-00000000ffff", p_status: "open" },
  });
  assert.equal(res.status, 404);
  assert.equal(res.body.code, "PT404");
});

test("the Worker-only RPCs refuse user tokens and serve the service role", async () => {
  const keyHash = "0".repeat(64);
  const user = await rest("/rpc/resolve_api_key", { token: acmeOwner(), method: "POST", body: { p_key_hash: keyHash } });
  assert.equal(user.status, 403);
  assert.equal(user.body.code, "42501");

  const anon = await rest("/rpc/resolve_api_key", { method: "POST", body: { p_key_hash: keyHash } });
  assert.equal(anon.status, 401);

  for (const [fn, body] of [
    ["record_usage", { p_org_id: ACME, p_idempotency_key: "forged", p_events: 1, p_anomalies: 1 }],
    ["apply_stripe_event", { p_event: { id: "evt_forged", type: "invoice.paid", created: 1, data: { object: {} } } }],
  ]) {
    const res = await rest(`/rpc/${fn}`, { token: acmeOwner(), method: "POST", body });
    assert.equal(res.status, 403, fn);
  }

  const { createHash } = await import("node:crypto");
  const demoHash = createHash("sha256").update(seed.acme.apiKey).digest("hex");
  const service = await rest("/rpc/resolve_api_key", { token: serviceRoleToken(), method: "POST", body: { p_key_hash: demoHash } });
  assert.equal(service.status, 200);
  assert.equal(service.body.org_id, ACME);
  assert.ok(Array.isArray(service.body.scopes));
});

test("no client reads the Stripe ledger, the audit log or the outbox", async () => {
  for (const table of ["stripe_events", "billing_audit_log", "notification_outbox"]) {
    const res = await rest(`/${table}`, { token: acmeOwner() });
    assert.equal(res.status, 403, table);
  }
});

test("members read their own usage through rpc/quota_state", async () => {
  const res = await rest("/rpc/quota_state", { token: acmeViewer(), method: "POST", body: { p_org_id: ACME } });
  assert.equal(res.status, 200);
  assert.equal(res.body.plan, "developer");
  assert.deepEqual(res.body.thresholds, [70, 90, 100, 120]);
});
