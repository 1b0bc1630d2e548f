// A customer streams events and gets verdicts back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf, normalLogLines, uniqueName } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { seed } from "./support/stack.mjs";
import { freshOrg, sql } from "./support/db.mjs";

const key = seed.acme.apiKey;
const send = (stream, lines, headers = {}, auth = key) =>
  api("/events", { method: "POST", auth, headers, body: { stream, events: lines.map((body) => ({ type: "log", body })) } });

test("a customer warms up a log stream, then an unusual error line is flagged with an explanation", async () => {
  const stream = uniqueName("checkout");
  const warm = await send(stream, normalLogLines(300));
  assert.equal(warm.status, 200, warm.text);
  await assertMatchesContract("POST", "/events", warm);
  assert.equal(warm.json.accepted, 300);
  assert.equal(warm.json.verdicts.length, 300);
  assert.deepEqual(warm.json.verdicts.map((v) => v.index), [...Array(300).keys()]);

  const odd = "FATAL kernel: machine check exception on cpu 3, bank 4: uncorrectable ECC error, halting";
  const res = await send(stream, [...normalLogLines(5, 99), odd]);
  assert.equal(res.status, 200, res.text);
  const v = res.json.verdicts.at(-1);
  assert.equal(v.index, 305);
  assert.equal(v.anomaly, true, JSON.stringify(v));
  assert.ok(v.p_value > 0 && v.p_value < 0.05, `p-value ${v.p_value}`);
  assert.ok(["low", "medium", "high"].includes(v.severity));
  assert.ok(v.novel.length > 0 && v.novel.every(([s, e]) => s < e && e <= odd.length));
  assert.match(v.explanation, /\w+/);
  assert.ok(v.anomaly_id, "the anomaly was stored");

  const stored = await api(`/anomalies/${v.anomaly_id}`, { auth: key });
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.json.stream, stream);
  assert.equal(stored.json.event_excerpt, odd);
  assert.equal(stored.json.status, "open");
  assert.deepEqual(stored.json.novel, v.novel);
});

test("a flagged event's declared type, metadata and time are kept with its stored anomaly", async () => {
  const stream = uniqueName("kept");
  assert.equal((await send(stream, normalLogLines(300))).status, 200);
  const odd = "FATAL kernel: machine check exception on cpu 7, bank 2: uncorrectable ECC error, halting";
  // Written by hand: an integer past 2^53 must reach the database as the client wrote it.
  const events = [...normalLogLines(3, 7).map((body) => ({ type: "log", body })),
    { type: "trace", body: odd, ts: "2026-11-29T10:00:00Z", metadata: { host: "web-7" } }];
  const body = JSON.stringify({ stream, events }).replace('"host":"web-7"', '"host":"web-7","order":121645100408831999');
  const res = await api("/events", { method: "POST", auth: key, body, headers: { "content-type": "application/json" } });
  assert.equal(res.status, 200, res.text);
  const v = res.json.verdicts.at(-1);
  assert.equal(v.anomaly, true, JSON.stringify(v));
  const stored = await api(`/anomalies/${v.anomaly_id}`, { auth: key });
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.json.event_type, "trace");
  assert.equal(stored.json.event_excerpt, odd);
  assert.equal(stored.json.metadata.host, "web-7");
  assert.equal(stored.json.metadata.ts, "2026-11-29T10:00:00.000Z");
  assert.match(stored.text, /"order":\s*121645100408831999\b/);
  assert.deepEqual(stored.json.metrics, v.metrics);
  assert.equal(stored.json.explanation, v.explanation);
});

test("retrying a batch with the same Idempotency-Key returns the same verdicts and counts once", async () => {
  const stream = uniqueName("retry");
  const headers = { "idempotency-key": uniqueName("batch") };
  const before = (await api("/usage", { auth: key })).json.events_scored;
  const first = await send(stream, normalLogLines(20), headers);
  const again = await send(stream, normalLogLines(20), headers);
  assert.equal(first.status, 200, first.text);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json.verdicts, first.json.verdicts);
  assert.equal(again.json.replayed, true);
  const after = (await api("/usage", { auth: key })).json.events_scored;
  assert.equal(after - before, 20);
  // A new key continues the stream where it left off.
  const next = await send(stream, normalLogLines(1));
  assert.equal(next.json.verdicts[0].index, 20);
});

test("an Idempotency-Key reused for different events is refused with 422, and the batch it was first used for still replays", async () => {
  const stream = uniqueName("reused-key");
  const headers = { "idempotency-key": uniqueName("batch") };
  const before = (await api("/usage", { auth: key })).json.events_scored;
  const first = await send(stream, normalLogLines(5, 11), headers);
  assert.equal(first.status, 200, first.text);
  // Other events under the same key would be lost behind a replay of the first answer.
  for (const lines of [normalLogLines(5, 12), normalLogLines(6, 11), normalLogLines(4, 11)]) {
    const other = await send(stream, lines, headers);
    assert.equal(other.status, 422, other.text);
    assert.equal(errorOf(other).code, "idempotency_key_reused");
    await assertMatchesContract("POST", "/events", other);
  }
  const retry = await send(stream, normalLogLines(5, 11), headers);
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.json.replayed, true);
  assert.deepEqual(retry.json.verdicts, first.json.verdicts);
  const after = (await api("/usage", { auth: key })).json.events_scored;
  assert.equal(after - before, 5);
  // The refused events were never scored: the stream continues at index 5.
  const next = await send(stream, normalLogLines(1, 13));
  assert.equal(next.json.verdicts[0].index, 5);
});

test("bad batches get their documented 4xx and a JSON error with a request id", async () => {
  const stream = uniqueName("bad");
  const cases = [
    [{ body: "{not json", headers: { "content-type": "application/json" } }, 400],
    [{ body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { "content-type": "application/json" } }, 400],
    [{ body: { stream, events: [{ body: true }] } }, 422],
    [{ body: { stream, events: [] } }, 422],
    [{ body: { stream: "Bad Name!", events: [{ body: "x" }] } }, 422],
    [{ body: { stream, events: [{ body: "x", type: "video" }] } }, 422],
    [{ body: { events: [{ body: "x" }] } }, 422],
    [{ body: { stream, events: Array.from({ length: 1001 }, () => ({ body: "x" })) } }, 413],
    [{ body: { stream, events: [{ body: "x".repeat(2 * 1024 * 1024) }] } }, 413],
    [{ body: "[".repeat(5000) + "]".repeat(5000), headers: { "content-type": "application/json" } }, 400],
  ];
  for (const [req, status] of cases) {
    const res = await api("/events", { method: "POST", auth: key, ...req });
    assert.equal(res.status, status, `${JSON.stringify(req).slice(0, 120)} -> ${res.status} ${res.text.slice(0, 200)}`);
    const e = errorOf(res);
    assert.equal(res.headers.get("x-request-id"), e.request_id);
  }
});

test("sending events without a key, with a user token or a revoked key is refused", async () => {
  const noAuth = await api("/events", { method: "POST", body: { stream: "x", events: [{ body: "x" }] } });
  assert.equal(noAuth.status, 401);
  errorOf(noAuth);
  const wrong = await api("/events", { method: "POST", auth: "dl_nope0000_00000000000000000000000000000000", body: { stream: "x", events: [{ body: "x" }] } });
  assert.equal(wrong.status, 401);
  const org = freshOrg("revoked");
  sql(`update public.api_keys set revoked_at = now() where id = '${org.keyId}'`);
  const revoked = await send("x", ["hello"], {}, org.apiKey);
  assert.equal(revoked.status, 401, revoked.text);
});

test("a free organization at its limit gets 402 with an upgrade link, and past 120% a paid one gets a warning header", async () => {
  const free = freshOrg("free-full");
  sql(`insert into public.usage_periods (org_id, period_start, period_end, events_scored, anomalies_detected)
       values ('${free.orgId}', date_trunc('month', now() at time zone 'utc'), date_trunc('month', now() at time zone 'utc') + interval '1 month', 5000, 1000)`);
  const blocked = await send("app", ["hello"], {}, free.apiKey);
  assert.equal(blocked.status, 402, blocked.text);
  assert.match(errorOf(blocked).message, /upgrade/i);

  const paid = freshOrg("paid-over", { plan: "standard" });
  sql(`insert into public.usage_periods (org_id, period_start, period_end, events_scored, anomalies_detected)
       values ('${paid.orgId}', date_trunc('month', now() at time zone 'utc'), date_trunc('month', now() at time zone 'utc') + interval '1 month', 90000, 61000)`);
  const warned = await send("app", ["hello"], {}, paid.apiKey);
  assert.equal(warned.status, 200, warned.text);
  assert.match(warned.headers.get("x-driftlock-usage-warning") ?? "", /120%/);
});
