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
