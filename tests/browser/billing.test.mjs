// Billing: the plan, the cost calculator, and starting an upgrade through Stripe Checkout.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, uniqueName } from "../support/api.mjs";
import { freshOrg, sql } from "../support/db.mjs";
import { seed, stack } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

const money = (cents) => `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: cents % 100 ? 2 : 0, maximumFractionDigits: 2 })}`;

test("the cost calculator prices a month on every plan, with Developer blocked past its limit", async () => {
  const { page } = b;
  await signIn(page, seed.users.acmeOwner, "/billing");
  await page.getByRole("heading", { level: 1, name: "Billing" }).waitFor();
  const sub = await api("/subscription", { auth: seed.acme.apiKey });
  assert.equal(sub.status, 200, sub.text);
  await page.getByTestId("current-plan").filter({ hasText: sub.json.plan.name }).waitFor();

  const n = 60000;
  await page.getByLabel("Anomaly detections per month").fill(String(n));
  for (const plan of sub.json.plans) {
    const cell = page.locator(`tr[data-plan="${plan.id}"]`).getByTestId("cost-total");
    const rate = Number(plan.overage_cents_per_detection ?? 0);
    const over = Math.max(0, n - plan.included_detections);
    if (over > 0 && (plan.blocks_at_limit || !rate)) {
      await cell.filter({ hasText: /Blocked at/ }).waitFor();
    } else {
      await cell.filter({ hasText: money(plan.price_cents + Math.round(over * rate)) }).waitFor();
    }
  }
  await screenshots(page, "billing");
  assert.deepEqual(b.problems, []);
});

test("an owner starts an upgrade and is sent to the Checkout URL the Stripe stand-in returned", async () => {
  const { page } = b;
  await signIn(page, seed.users.acmeOwner, "/billing");
  const upgrade = page.getByRole("button", { name: "Upgrade to Standard" });
  await upgrade.waitFor();

  // Never leave for the real Stripe: any navigation away from the dashboard is answered locally.
  const dashOrigin = new URL(stack.dashboardUrl).origin;
  const left = [];
  await page.route((url) => url.origin !== dashOrigin && url.origin !== new URL(stack.apiUrl).origin, async (route) => {
    if (route.request().isNavigationRequest()) {
      left.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Checkout stand-in</title><h1>Checkout</h1>" });
    }
    return route.continue();
  });

  // Read the API's answer on its way to the page (the page leaves as soon as it has it).
  let given;
  await page.route((u) => u.href === new URL("/subscription/checkout", stack.apiUrl).href, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const response = await route.fetch();
    given = { status: response.status(), body: await response.text() };
    return route.fulfill({ response, body: given.body });
  });
  await upgrade.click();
  await page.waitForURL((u) => u.origin !== dashOrigin, { timeout: 10000 }).catch(() => {});
  assert.ok(given, "the dashboard called POST /subscription/checkout");
  assert.equal(given.status, 200, given.body);
  const { url } = JSON.parse(given.body);
  assert.ok(url, "the API returned a Checkout URL");
  await page.waitForURL(url, { timeout: 10000 });
  assert.deepEqual(left, [url], "the browser went to exactly the URL the API returned");
  if (!process.env.DRIFTLOCK_FAKE_API) assert.ok(url.startsWith(stack.recorderUrl), `the local Stripe stand-in issued ${url}`);
  await page.unrouteAll();
});

test("a paying customer opens the Stripe billing portal from the billing page", async () => {
  const { page } = b;
  const org = freshOrg(uniqueName("Payer"), { plan: "standard" });
  sql(`update public.organizations set stripe_customer_id = 'cus_${org.orgId.slice(0, 8)}' where id = '${org.orgId}'`);
  await signIn(page, org.user, "/billing");
  await page.getByTestId("current-plan").filter({ hasText: "Standard" }).waitFor();

  const dashOrigin = new URL(stack.dashboardUrl).origin;
  const apiOrigin = new URL(stack.apiUrl).origin;
  const left = [];
  await page.route((u) => u.origin !== dashOrigin && u.origin !== apiOrigin, (route) => {
    if (!route.request().isNavigationRequest()) return route.continue();
    left.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Portal stand-in</title>" });
  });
  let given;
  await page.route((u) => u.href === new URL("/subscription/portal", stack.apiUrl).href, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const response = await route.fetch();
    given = { status: response.status(), body: await response.text() };
    return route.fulfill({ response, body: given.body });
  });
  await page.getByRole("button", { name: "Manage billing" }).click();
  await page.waitForURL((u) => u.origin !== dashOrigin, { timeout: 10000 });
  assert.equal(given?.status, 200, given?.body);
  const { url } = JSON.parse(given.body);
  assert.deepEqual(left, [url]);
  assert.ok(url.startsWith(stack.recorderUrl), url);
  await page.unrouteAll();
});
