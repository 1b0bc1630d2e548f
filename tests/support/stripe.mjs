// Stripe webhook deliveries as Stripe would make them: fixture objects from Stripe's own
// OpenAPI fixtures, signed by the official `stripe` library.
import Stripe from "stripe";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { stack } from "./stack.mjs";
import { api } from "./api.mjs";

const stripe = new Stripe("sk_test_local_driftlock");
const fixturesPath = process.env.STRIPE_FIXTURES ?? fileURLToPath(new URL("../../../shared/data/stripe/fixtures3.json", import.meta.url));
const fixtures = JSON.parse(readFileSync(fixturesPath, "utf8")).resources;

/** A deep copy of one fixture object (e.g. "subscription", "invoice", "checkout.session"). */
export function fixture(name) {
  return structuredClone(fixtures[name]);
}

/** A Stripe event envelope around `object`. */
export function stripeEvent(type, object, created = Math.floor(Date.now() / 1000)) {
  const e = fixture("event");
  return { ...e, id: `evt_${randomBytes(12).toString("hex")}`, type, created, livemode: false, data: { object } };
}

/** The Stripe-Signature header the official library makes. */
export function signature(payload, { secret = stack.stripeWebhookSecret, timestamp = Math.floor(Date.now() / 1000) } = {}) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** Delivers an event to the Worker's webhook route, signed unless `header` is given. */
export async function deliver(event, { header, payload = JSON.stringify(event) } = {}) {
  return api("/stripe-webhook", {
    method: "POST",
    body: payload,
    headers: { "content-type": "application/json", "stripe-signature": header ?? signature(payload) },
  });
}

/** A subscription object for an org on a plan's local price. */
export function subscriptionFor(orgId, { id, customer, status = "active", price = "price_local_standard", start, end, cancelAtPeriodEnd = false }) {
  const s = fixture("subscription");
  s.id = id;
  s.customer = customer;
  s.status = status;
  s.metadata = { org_id: orgId };
  s.cancel_at_period_end = cancelAtPeriodEnd;
  s.current_period_start = start;
  s.current_period_end = end;
  s.items.data = [{ ...s.items.data[0], current_period_start: start, current_period_end: end, price: { ...s.items.data[0].price, id: price } }];
  return s;
}

/** Requests the local recorder (standing in for Stripe's API) has seen. */
export async function recorded(pathPrefix) {
  const all = await (await fetch(new URL("/__requests", stack.recorderUrl))).json();
  return all.filter((r) => r.path.startsWith(pathPrefix));
}
