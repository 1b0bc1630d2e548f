// Working an anomaly: open it from the feed, acknowledge, resolve, and find it still
// resolved (with its history) after a reload.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, uniqueName } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { dash, openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
let anomaly;
before(async () => {
  b = await openBrowser();
  // An anomaly of our own, so the seeded ones keep their status for other tests.
  const made = await api("/anomalies", {
    method: "POST",
    auth: seed.acme.apiKey,
    body: {
      stream: "checkout-api", event_type: "log", severity: "high", score: 0.93, p_value: 0.002,
      event_excerpt: `ERROR ${uniqueName("ledger")} double charge detected for order 8812`,
      explanation: "Recorded by the browser test.", metadata: { host: "web-7" },
    },
  });
  assert.equal(made.status, 201, made.text);
  anomaly = made.json;
});
after(async () => { await b?.close(); });

test("an owner acknowledges then resolves an anomaly, and it is still resolved after a reload", async () => {
  const { page } = b;
  await signIn(page, seed.users.acmeOwner, "/");
  await page.locator(`[data-anomaly-id="${anomaly.id}"] a`).click();
  await page.getByRole("heading", { level: 1, name: /Anomaly on checkout-api/ }).waitFor();
  assert.match(await page.getByTestId("event-excerpt").innerText(), /double charge detected/);
  await page.getByText("Recorded by the browser test.").waitFor();

  await page.getByLabel("Note").fill("paging the payments team");
  await page.getByRole("button", { name: "Acknowledge" }).click();
  await page.getByRole("button", { name: "Resolve" }).waitFor();
  await page.getByTestId("status-history").getByText("paging the payments team").waitFor();

  await page.getByRole("button", { name: "Resolve" }).click();
  await page.getByRole("button", { name: "Reopen" }).waitFor();
  await screenshots(page, "anomaly-detail");

  await page.reload();
  await page.getByRole("heading", { level: 1, name: /Anomaly on checkout-api/ }).waitFor();
  await page.getByRole("button", { name: "Reopen" }).waitFor();
  const history = await page.getByTestId("status-history").innerText();
  assert.match(history, /Acknowledged → Resolved/);
  assert.match(history, /Open → Acknowledged/);

  const stored = await api(`/anomalies/${anomaly.id}`, { auth: seed.acme.apiKey });
  assert.equal(stored.json.status, "resolved");
  assert.deepEqual(b.problems, []);
});

test("an unknown anomaly id shows a not-found state, not a crash", async () => {
  const { page } = b;
  await page.goto(dash("/anomalies/00000000-0000-4000-8000-00000000dead"));
  await page.getByText("Anomaly not found").waitFor();
});
