// Asynchronous ingest: a batch is queued (202) and scored by the queue consumer through the
// same per-stream detector; a retried batch is still counted once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, eventually, normalLogLines, uniqueName } from "./support/api.mjs";
import { freshOrg } from "./support/db.mjs";

test("a customer sends a batch in async mode, gets 202 at once, and the events are scored and counted once", async () => {
  const org = freshOrg("async");
  const stream = uniqueName("queued");
  const body = { stream, events: normalLogLines(40).map((b) => ({ body: b })) };
  const headers = { "idempotency-key": uniqueName("async-batch") };
  const res = await api("/events?mode=async", { method: "POST", auth: org.apiKey, body, headers });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.json.accepted, 40);
  assert.equal(res.json.mode, "async");
  const again = await api("/events?mode=async", { method: "POST", auth: org.apiKey, body, headers });
  assert.equal(again.status, 202);

  const usage = await eventually(async () => {
    const u = (await api("/usage", { auth: org.apiKey })).json;
    return u.events_scored >= 40 ? u : null;
  }, { timeoutMs: 20000 });
  // Give a duplicate delivery time to show up, then check nothing was counted twice.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await api("/usage", { auth: org.apiKey })).json.events_scored, 40, JSON.stringify(usage));

  // The stream's detector saw those 40 events: a synchronous batch continues at index 40.
  const next = await api("/events", { method: "POST", auth: org.apiKey, body: { stream, events: [{ body: "hello" }] } });
  assert.equal(next.status, 200, next.text);
  assert.equal(next.json.verdicts[0].index, 40);
});

test("an async batch too big for one queue message is refused with 413 before anything is accepted", async () => {
  const org = freshOrg("async-big");
  const big = { stream: "big", events: Array.from({ length: 10 }, () => ({ body: "x".repeat(15000) })) };
  const res = await api("/events?mode=async", { method: "POST", auth: org.apiKey, body: big });
  assert.equal(res.status, 413, res.text);
  assert.equal((await api("/usage", { auth: org.apiKey })).json.events_scored, 0);
});

test("metadata integers beyond JavaScript's safe range survive the queue", async () => {
  const org = freshOrg("async-bigint");
  const body = '{"stream":"async-bigint","events":[{"body":"hello","metadata":{"n":121645100408831999}}]}';
  const res = await api("/events?mode=async", { method: "POST", auth: org.apiKey, body, headers: { "content-type": "application/json" } });
  assert.equal(res.status, 202, res.text);
  await eventually(async () => (await api("/usage", { auth: org.apiKey })).json.events_scored === 1, { timeoutMs: 20000 });
});
