// Setting up: streams and their sensitivity, API keys created, used and revoked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf, normalLogLines, uniqueName } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { seed, userToken } from "./support/stack.mjs";

const owner = () => userToken(seed.users.acmeOwner);

test("an owner creates a stream, turns its sensitivity up, and the detector flags more", async () => {
  const name = uniqueName("tuned");
  const created = await api("/streams", { method: "POST", auth: owner(), body: { name, event_type: "log", sensitivity: 0.0 } });
  assert.equal(created.status, 201, created.text);
  await assertMatchesContract("POST", "/streams", created);
  const dup = await api("/streams", { method: "POST", auth: owner(), body: { name } });
  assert.equal(dup.status, 409);

  const send = (lines) => api("/events", { method: "POST", auth: seed.acme.apiKey, body: { stream: name, events: lines.map((body) => ({ body })) } });
  const warm = await send(normalLogLines(300, 7));
  assert.equal(warm.status, 200, warm.text);
  const probe = normalLogLines(200, 4242).map((l, i) => (i % 10 === 0 ? l.replace("INFO", "WARN").replace("status=200", "status=503") : l));
  const low = (await send(probe)).json.verdicts.filter((v) => v.anomaly).length;

  const patched = await api(`/streams/${created.json.id}`, { method: "PATCH", auth: owner(), body: { sensitivity: 1.0 } });
  assert.equal(patched.status, 200, patched.text);
  await assertMatchesContract("PATCH", "/streams/{id}", patched);
  assert.equal(patched.json.sensitivity, 1);
  const high = (await send(probe)).json.verdicts.filter((v) => v.anomaly).length;
  assert.ok(high > low, `sensitivity 1.0 flagged ${high}, 0.0 flagged ${low}`);

  const list = await api("/streams", { auth: owner() });
  await assertMatchesContract("GET", "/streams", list);
  assert.equal(list.json.data.find((s) => s.id === created.json.id).sensitivity, 1);
  const bad = await api(`/streams/${created.json.id}`, { method: "PATCH", auth: owner(), body: { sensitivity: 1.5 } });
  assert.equal(bad.status, 422);
  assert.match(errorOf(bad).message, /sensitivity/);
});

test("an admin creates an API key, sees its secret once, uses it, revokes it and it stops working", async () => {
  const created = await api("/api-keys", { method: "POST", auth: owner(), body: { name: "ci pipeline" } });
  assert.equal(created.status, 201, created.text);
  await assertMatchesContract("POST", "/api-keys", created);
  const { secret, id } = created.json;
  assert.match(secret, /^dl_[a-z0-9]{8}_[0-9a-f]{32}$/);
  const list = await api("/api-keys", { auth: owner() });
  await assertMatchesContract("GET", "/api-keys", list);
  const listed = list.json.data.find((k) => k.id === id);
  assert.ok(listed && !("secret" in listed) && !("key_hash" in listed));
  assert.ok(!list.text.includes(secret.slice(12)));

  const used = await api("/events", { method: "POST", auth: secret, body: { stream: uniqueName("k"), events: [{ body: "hello" }] } });
  assert.equal(used.status, 200, used.text);
  const revoked = await api(`/api-keys/${id}`, { method: "DELETE", auth: owner() });
  assert.equal(revoked.status, 200, revoked.text);
  assert.ok(revoked.json.revoked_at);
  const refused = await api("/events", { method: "POST", auth: secret, body: { stream: "x", events: [{ body: "hello" }] } });
  assert.equal(refused.status, 401);
});

test("viewers and API keys cannot manage keys; unknown scopes are refused", async () => {
  assert.equal((await api("/api-keys", { auth: userToken(seed.users.acmeViewer) })).status, 403);
  assert.equal((await api("/api-keys", { auth: seed.acme.apiKey })).status, 403);
  const bad = await api("/api-keys", { method: "POST", auth: owner(), body: { name: "x", scopes: ["root"] } });
  assert.equal(bad.status, 422);
});

test("the signed-in user sees who they are and their organizations", async () => {
  const me = await api("/me", { auth: owner() });
  assert.equal(me.status, 200, me.text);
  await assertMatchesContract("GET", "/me", me);
  assert.equal(me.json.org_id, seed.acme.orgId);
  assert.equal(me.json.role, "owner");
});

test("a key limited to one stream sends and reads only that stream", async () => {
  const mine = await api("/streams", { method: "POST", auth: owner(), body: { name: uniqueName("allowed") } });
  const other = await api("/streams", { method: "POST", auth: owner(), body: { name: uniqueName("other") } });
  assert.equal(mine.status, 201, mine.text);
  const created = await api("/api-keys", {
    method: "POST", auth: owner(),
    body: { name: "one stream", scopes: ["events:write", "anomalies:read", "anomalies:write", "streams:read"], stream_ids: [mine.json.id] },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.stream_ids, [mine.json.id]);
  const key = created.json.secret;
  const record = (auth, stream) => api("/anomalies", { method: "POST", auth, body: { stream, event_excerpt: "x", score: 0.9, severity: "low" } });
  const otherAnomaly = (await record(seed.acme.apiKey, other.json.name)).json;

  const sendOther = await api("/events", { method: "POST", auth: key, body: { stream: other.json.name, events: [{ body: "x" }] } });
  assert.equal(sendOther.status, 403, sendOther.text);
  const sendMine = await api("/events", { method: "POST", auth: key, body: { stream: mine.json.name, events: [{ body: "x" }] } });
  assert.equal(sendMine.status, 200, sendMine.text);
  assert.equal((await api(`/anomalies/${otherAnomaly.id}`, { auth: key })).status, 404);
  const listed = await api("/anomalies?limit=200", { auth: key });
  assert.equal(listed.status, 200, listed.text);
  assert.ok(listed.json.data.every((a) => a.stream_id === mine.json.id));
  const streams = await api("/streams", { auth: key });
  assert.deepEqual(streams.json.data.map((s) => s.id), [mine.json.id]);

  // A stream name nobody has used yet is refused too, and no stream is created for it.
  const fresh = uniqueName("never-created");
  const sendNew = await api("/events", { method: "POST", auth: key, body: { stream: fresh, events: [{ body: "x" }] } });
  assert.equal(sendNew.status, 403, sendNew.text);
  assert.equal((await record(key, fresh)).status, 404);
  const all = await api("/streams", { auth: owner() });
  assert.equal(all.status, 200, all.text);
  assert.ok(!all.json.data.some((s) => s.name === fresh), "a refused send created a stream");
});
