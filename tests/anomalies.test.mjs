// Working through anomalies: listing, filtering, the status workflow, and tenant isolation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf, uniqueName } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { seed, userToken } from "./support/stack.mjs";

const owner = () => userToken(seed.users.acmeOwner);
const viewer = () => userToken(seed.users.acmeViewer);
const globex = () => userToken(seed.users.globexOwner);

async function recordOne(auth = seed.acme.apiKey, stream = uniqueName("manual")) {
  const res = await api("/anomalies", {
    method: "POST", auth,
    body: { stream, event_type: "log", event_excerpt: "disk /dev/sda1 100% full", score: 0.93, p_value: 0.002, severity: "high", explanation: "Disk full." },
  });
  assert.equal(res.status, 201, res.text);
  await assertMatchesContract("POST", "/anomalies", res);
  return res.json;
}

test("an on-call engineer lists open anomalies, pages through them and filters by severity", async () => {
  await recordOne();
  await recordOne();
  const page1 = await api("/anomalies?limit=2", { auth: owner() });
  assert.equal(page1.status, 200, page1.text);
  await assertMatchesContract("GET", "/anomalies", page1);
  assert.equal(page1.json.data.length, 2);
  assert.ok(page1.json.next_cursor);
  const page2 = await api(`/anomalies?limit=2&cursor=${page1.json.next_cursor}`, { auth: owner() });
  assert.equal(page2.status, 200);
  const seqs = [...page1.json.data, ...page2.json.data].map((a) => a.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first, no overlap");
  assert.equal(new Set(seqs).size, seqs.length);
  const high = await api("/anomalies?severity=high", { auth: owner() });
  assert.ok(high.json.data.length > 0 && high.json.data.every((a) => a.severity === "high"));
  const bad = await api("/anomalies?severity=urgent", { auth: owner() });
  assert.equal(bad.status, 422);
  assert.match(errorOf(bad).message, /severity/);
});

test("an anomaly is acknowledged, then resolved; the history records both and a bad transition is refused", async () => {
  const a = await recordOne();
  const ack = await api(`/anomalies/${a.id}`, { method: "PATCH", auth: owner(), body: { status: "acknowledged", note: "looking" } });
  assert.equal(ack.status, 200, ack.text);
  await assertMatchesContract("PATCH", "/anomalies/{id}", ack);
  assert.equal(ack.json.status, "acknowledged");
  assert.equal(ack.json.status_changed_by, seed.users.acmeOwner.id);
  const res = await api(`/anomalies/${a.id}`, { method: "PATCH", auth: owner(), body: { status: "resolved" } });
  assert.equal(res.json.status, "resolved");
  const again = await api(`/anomalies/${a.id}`, { method: "PATCH", auth: owner(), body: { status: "acknowledged" } });
  assert.equal(again.status, 409, again.text);
  errorOf(again);
  const got = await api(`/anomalies/${a.id}`, { auth: owner() });
  await assertMatchesContract("GET", "/anomalies/{id}", got);
  assert.deepEqual(got.json.history.map((h) => h.to_status), ["acknowledged", "resolved"]);
  const invalid = await api(`/anomalies/${a.id}`, { method: "PATCH", auth: owner(), body: { status: "closed" } });
  assert.equal(invalid.status, 422);
});

test("a viewer can read anomalies but cannot change them", async () => {
  const a = await recordOne();
  const read = await api(`/anomalies/${a.id}`, { auth: viewer() });
  assert.equal(read.status, 200, read.text);
  const write = await api(`/anomalies/${a.id}`, { method: "PATCH", auth: viewer(), body: { status: "acknowledged" } });
  assert.equal(write.status, 403, write.text);
  assert.equal((await api(`/anomalies/${a.id}`, { auth: owner() })).json.status, "open");
});

test("org B's key and users never see or change org A's anomalies, even with the id", async () => {
  const a = await recordOne();
  for (const auth of [seed.globex.apiKey, globex()]) {
    const get = await api(`/anomalies/${a.id}`, { auth });
    assert.equal(get.status, 404, get.text);
    const patch = await api(`/anomalies/${a.id}`, { method: "PATCH", auth, body: { status: "dismissed" } });
    assert.equal(patch.status, 404, patch.text);
    const list = await api("/anomalies?limit=200", { auth });
    assert.ok(!list.json.data.some((x) => x.id === a.id));
  }
  const orgHeader = await api("/anomalies", { auth: globex(), headers: { "x-org-id": seed.acme.orgId } });
  assert.equal(orgHeader.status, 403);
  assert.equal((await api(`/anomalies/${a.id}`, { auth: owner() })).json.status, "open");
});

test("unknown ids are 404 and junk ids never reach the database", async () => {
  for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1%27%20or%201%3D1"]) {
    const res = await api(`/anomalies/${id}`, { auth: owner() });
    assert.equal(res.status, 404, `${id}: ${res.text}`);
    errorOf(res);
  }
});
