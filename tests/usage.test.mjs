// Usage against the plan: alerts at 70/90/100%, once each, delivered by email through the outbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, eventually } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { stack, userToken } from "./support/stack.mjs";
import { freshOrg, sql } from "./support/db.mjs";
import { recorded } from "./support/stripe.mjs";

const record = (org, anomalies, key) =>
  api("/usage", { method: "POST", auth: org.apiKey, body: { events: anomalies * 10, anomalies, idempotency_key: key } });

test("a free organization crosses 70, 90 and 100% once each, is told by email, and is then blocked", async () => {
  const org = freshOrg("alerts");
  const a = await record(org, 700, "u1");
  assert.equal(a.status, 200, a.text);
  await assertMatchesContract("POST", "/usage", a);
  assert.deepEqual(a.json.crossed, [70]);
  const replay = await record(org, 700, "u1");
  assert.equal(replay.json.replayed, true);
  assert.equal(replay.json.used, 700);
  const b = await record(org, 250, "u2");
  assert.deepEqual(b.json.crossed, [90]);
  const c = await record(org, 60, "u3");
  assert.deepEqual(c.json.crossed, [100]);
  assert.equal(c.json.blocked, true);

  const usage = await api("/usage", { auth: userToken(org.user) });
  assert.equal(usage.status, 200, usage.text);
  await assertMatchesContract("GET", "/usage", usage);
  assert.equal(usage.json.anomalies_detected, 1010);
  assert.deepEqual(usage.json.alerts_sent.map((x) => x.threshold).sort(), [100, 70, 90]);

  const blocked = await api("/events", { method: "POST", auth: org.apiKey, body: { stream: "app", events: [{ body: "x" }] } });
  assert.equal(blocked.status, 402);

  // The cron trigger delivers the three alert emails to the owner.
  await fetch(new URL("/__scheduled?cron=*+*+*+*+*", stack.apiUrl));
  const mails = await eventually(async () => {
    const m = (await recorded("/emails")).filter((r) => JSON.stringify(r.body).includes(org.user.email));
    return m.length >= 3 ? m : null;
  });
  assert.equal(mails.length, 3);
});

test("usage figures must be sane", async () => {
  const org = freshOrg("sane");
  for (const body of [{ events: -1, anomalies: 0, idempotency_key: "a" }, { events: 1, anomalies: 2, idempotency_key: "b" }, { events: 1, anomalies: 0 }]) {
    const res = await api("/usage", { method: "POST", auth: org.apiKey, body });
    assert.equal(res.status, 422, `${JSON.stringify(body)} -> ${res.text}`);
  }
});

test("a usage idempotency key names one request: the same figures replay, other figures get 422 and count nothing", async () => {
  const org = freshOrg("usage-key");
  const first = await record(org, 3, "k1");
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.replayed, false);
  const retry = await record(org, 3, "k1");
  assert.equal(retry.json.replayed, true);
  const other = await record(org, 4, "k1");
  assert.equal(other.status, 422, other.text);
  assert.equal(other.json.error.code, "idempotency_key_reused");
  await assertMatchesContract("POST", "/usage", other);
  assert.equal((await api("/usage", { auth: org.apiKey })).json.anomalies_detected, 3);
});

test("a Standard organization past its included detections is billed for the overage once, however often the cron runs", async () => {
  const org = freshOrg("overage", { plan: "standard" });
  const customer = `cus_m${org.orgId.slice(0, 7)}`;
  sql(`update public.organizations set stripe_customer_id = '${customer}' where id = '${org.orgId}'`);
  const cron = () => fetch(new URL("/__scheduled?cron=*+*+*+*+*", stack.apiUrl));
  const meterFor = async () => (await recorded("/v1/billing/meter_events")).filter((r) => r.body?.payload?.stripe_customer_id === customer);

  assert.equal((await record(org, 50010, "o1")).status, 200);
  await cron();
  await cron();
  const first = await eventually(async () => ((await meterFor()).length >= 1 ? meterFor() : null));
  assert.equal(first.length, 1, JSON.stringify(first));
  assert.equal(String(first[0].body.payload.value), "10");

  assert.equal((await record(org, 5, "o2")).status, 200);
  await cron();
  const second = await eventually(async () => ((await meterFor()).length >= 2 ? meterFor() : null));
  assert.equal(second.length, 2);
  assert.equal(String(second[1].body.payload.value), "5");
  assert.notEqual(second[0].body.identifier, second[1].body.identifier);
});

// A Prometheus text exposition as { "name{labels}": value }, checking every sample's family is declared.
function scrapeOf(res) {
  assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
  const samples = {};
  const declared = new Set();
  for (const line of res.text.trimEnd().split("\n")) {
    const type = line.match(/^# TYPE (\S+) gauge$/);
    if (type) declared.add(type[1]);
    if (line.startsWith("#")) continue;
    const [, series, name, value] = line.match(/^(([a-z_]+)(?:\{.*\})?) (\d+)$/) ?? assert.fail(`not a sample: ${line}`);
    assert.ok(declared.has(name), `${name} has no TYPE line before it`);
    samples[series] = Number(value);
  }
  return samples;
}

test("an organization's Prometheus scrape shows its period's usage and its own unresolved anomalies, to its key and its members", async () => {
  const org = freshOrg("scrape", { plan: "standard" });
  const other = freshOrg("scrape-other");
  const flag = (o, severity) =>
    api("/anomalies", { method: "POST", auth: o.apiKey, body: { stream: "checkout", event_excerpt: "ERROR card declined", score: 0.95, severity } });
  const high = await flag(org, "high");
  assert.equal(high.status, 201, high.text);
  const low = await flag(org, "low");
  const ack = await api(`/anomalies/${low.json.id}`, { method: "PATCH", auth: org.apiKey, body: { status: "acknowledged" } });
  assert.equal(ack.status, 200, ack.text);
  const done = await flag(org, "medium");
  await api(`/anomalies/${done.json.id}`, { method: "PATCH", auth: org.apiKey, body: { status: "dismissed" } });
  await flag(other, "high");
  assert.equal((await record(org, 40, "scrape-usage")).status, 200);

  const res = await api("/metrics", { auth: org.apiKey });
  assert.equal(res.status, 200, res.text);
  await assertMatchesContract("GET", "/metrics", res);
  const m = scrapeOf(res);
  const usage = (await api("/usage", { auth: org.apiKey })).json;
  assert.equal(m['driftlock_plan_info{plan="standard"}'], 1);
  assert.equal(m.driftlock_period_events_scored, usage.events_scored);
  assert.equal(m.driftlock_period_anomalies_detected, usage.anomalies_detected);
  assert.equal(m.driftlock_period_anomalies_included, 50000);
  assert.equal(m.driftlock_period_anomalies_remaining, usage.remaining);
  assert.equal(m.driftlock_blocked, 0);
  // Unresolved only (the dismissed one is gone), and only this organization's.
  const unresolved = Object.entries(m).filter(([k]) => k.startsWith("driftlock_unresolved_anomalies"));
  assert.deepEqual(Object.fromEntries(unresolved), {
    'driftlock_unresolved_anomalies{stream="checkout",severity="high",status="open"}': 1,
    'driftlock_unresolved_anomalies{stream="checkout",severity="low",status="acknowledged"}': 1,
  });

  const byMember = await api("/metrics", { auth: userToken(org.user) });
  assert.equal(byMember.status, 200, byMember.text);
  assert.deepEqual(scrapeOf(byMember), m);

  const nobody = await api("/metrics");
  assert.equal(nobody.status, 401, nobody.text);
  const writeOnly = freshOrg("scrape-write-only", { scopes: ["events:write"] });
  const refused = await api("/metrics", { auth: writeOnly.apiKey });
  assert.equal(refused.status, 403, refused.text);
  await assertMatchesContract("GET", "/metrics", refused);
});
