// Paying for DriftLock: Checkout, Stripe webhooks (signed by the official library), the
// billing portal and what the subscription page shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf, eventually } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { seed, stack, userToken } from "./support/stack.mjs";
import { freshOrg, sql } from "./support/db.mjs";
import { deliver, fixture, recorded, signature, stripeEvent, subscriptionFor } from "./support/stripe.mjs";

const now = () => Math.floor(Date.now() / 1000);

test("an owner upgrades through Checkout and the webhooks move the organization to Standard", async () => {
  const org = freshOrg("upgrader");
  const token = userToken(org.user);
  const co = await api("/subscription/checkout", { method: "POST", auth: token, body: { plan: "standard" } });
  assert.equal(co.status, 200, co.text);
  await assertMatchesContract("POST", "/subscription/checkout", co);
  assert.ok(co.json.url.startsWith(stack.recorderUrl), co.json.url);
  const sent = (await recorded("/v1/checkout/sessions")).find((r) => JSON.stringify(r.body).includes(org.orgId));
  assert.ok(sent, "Checkout session was requested from Stripe");
  assert.equal(String(sent.body.allow_promotion_codes), "true");
  assert.equal(sent.body.client_reference_id, org.orgId);

  const customer = `cus_${org.orgId.slice(0, 8)}`;
  const subId = `sub_${org.orgId.slice(0, 8)}`;
  const session = { ...fixture("checkout.session"), id: `cs_${org.orgId.slice(0, 8)}`, client_reference_id: org.orgId, customer, subscription: subId, metadata: { org_id: org.orgId }, mode: "subscription", status: "complete" };
  const completed = await deliver(stripeEvent("checkout.session.completed", session));
  assert.equal(completed.status, 200, completed.text);
  await assertMatchesContract("POST", "/stripe-webhook", completed);
  const created = await deliver(stripeEvent("customer.subscription.created", subscriptionFor(org.orgId, { id: subId, customer, start: now() - 60, end: now() + 30 * 86400 })));
  assert.equal(created.status, 200, created.text);

  const sub = await api("/subscription", { auth: token });
  assert.equal(sub.status, 200, sub.text);
  await assertMatchesContract("GET", "/subscription", sub);
  assert.equal(sub.json.plan.id, "standard");
  assert.equal(sub.json.status, "active");
  assert.equal((await api("/usage", { auth: token })).json.included, 50000);

  const portal = await api("/subscription/portal", { method: "POST", auth: token });
  assert.equal(portal.status, 200, portal.text);
  assert.ok(portal.json.url.startsWith(stack.recorderUrl));
});

test("webhooks with a tampered body, the wrong secret or an old timestamp are refused; any valid v1 passes", async () => {
  const event = stripeEvent("invoice.finalized", { ...fixture("invoice"), customer: "cus_nobody" });
  const payload = JSON.stringify(event);
  const tampered = await deliver(event, { header: signature(payload), payload: payload.replace("invoice", "invoicE") });
  assert.equal(tampered.status, 401, tampered.text);
  errorOf(tampered);
  const wrongSecret = await deliver(event, { header: signature(payload, { secret: "whsec_wrong" }) });
  assert.equal(wrongSecret.status, 401);
  const old = await deliver(event, { header: signature(payload, { timestamp: now() - 301 }) });
  assert.equal(old.status, 401);
  const missing = await api("/stripe-webhook", { method: "POST", body: payload, headers: { "content-type": "application/json" } });
  assert.equal(missing.status, 401);
  const good = signature(payload);
  const t = good.match(/t=(\d+)/)[1];
  const v1 = good.match(/v1=([0-9a-f]+)/)[1];
  const several = await deliver(event, { header: `t=${t},v1=${"0".repeat(64)},v1=${v1},v0=abc` });
  assert.equal(several.status, 200, several.text);
});

test("a redelivered event is applied once and a late, older subscription update does not win", async () => {
  const org = freshOrg("ordering");
  const customer = `cus_o${org.orgId.slice(0, 7)}`;
  const subId = `sub_o${org.orgId.slice(0, 7)}`;
  sql(`update public.organizations set stripe_customer_id = '${customer}' where id = '${org.orgId}'`);
  const t0 = now() - 1000;
  const newer = stripeEvent("customer.subscription.updated", subscriptionFor(org.orgId, { id: subId, customer, price: "price_local_growth", start: t0, end: t0 + 2592000 }), t0 + 500);
  const older = stripeEvent("customer.subscription.updated", subscriptionFor(org.orgId, { id: subId, customer, price: "price_local_standard", start: t0, end: t0 + 2592000 }), t0 + 100);
  const first = await deliver(newer);
  assert.equal(first.status, 200, first.text);
  const dup = await deliver(newer);
  assert.equal(dup.status, 200);
  assert.equal(dup.json.outcome, "duplicate");
  const late = await deliver(older);
  assert.equal(late.status, 200, late.text);
  assert.equal(late.json.outcome, "stale");
  const sub = await api("/subscription", { auth: userToken(org.user) });
  assert.equal(sub.json.plan.id, "growth");
});

test("a paid invoice is mirrored to the subscription page", async () => {
  const org = freshOrg("invoiced");
  const customer = `cus_i${org.orgId.slice(0, 7)}`;
  sql(`update public.organizations set stripe_customer_id = '${customer}' where id = '${org.orgId}'`);
  const inv = { ...fixture("invoice"), id: `in_${org.orgId.slice(0, 8)}`, customer, status: "paid", amount_due: 4900, amount_paid: 4900, number: "DL-0001", metadata: { org_id: org.orgId } };
  const res = await deliver(stripeEvent("invoice.paid", inv));
  assert.equal(res.status, 200, res.text);
  const sub = await eventually(async () => {
    const s = await api("/subscription", { auth: userToken(org.user) });
    return s.json.invoices.length ? s : null;
  });
  assert.equal(sub.json.invoices[0].id, inv.id);
  assert.equal(sub.json.invoices[0].amount_paid, 4900);
});

test("members who are not owners or admins cannot start Checkout, and API keys cannot either", async () => {
  const viewer = await api("/subscription/checkout", { method: "POST", auth: userToken(seed.users.acmeViewer), body: { plan: "standard" } });
  assert.equal(viewer.status, 403, viewer.text);
  const key = await api("/subscription/checkout", { method: "POST", auth: seed.acme.apiKey, body: { plan: "standard" } });
  assert.equal(key.status, 403);
  const bad = await api("/subscription/checkout", { method: "POST", auth: userToken(seed.users.acmeOwner), body: { plan: "platinum" } });
  assert.equal(bad.status, 422);
});
