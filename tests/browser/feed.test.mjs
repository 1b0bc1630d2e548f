// The live feed, as a customer uses it: sign in, see what the detector found, watch new
// anomalies arrive while sending events through the API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, eventually, normalLogLines } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("a signed-in owner sees the seeded anomalies in the live feed", async () => {
  const { page } = b;
  await signIn(page);
  await page.getByRole("heading", { name: "Live feed", level: 1 }).waitFor();
  const listed = await api("/anomalies?limit=5", { auth: seed.acme.apiKey });
  assert.equal(listed.status, 200, listed.text);
  assert.ok(listed.json.data.length > 0, "the seed has anomalies for Acme");
  const rows = page.getByTestId("anomaly-list").locator("li");
  await rows.first().waitFor();
  for (const a of listed.json.data.slice(0, 3)) {
    await page.locator(`[data-anomaly-id="${a.id}"]`).waitFor({ timeout: 5000 });
  }
  // The address bar no longer carries the token.
  assert.ok(!page.url().includes("access_token"), page.url());
  await screenshots(page, "feed");
  assert.deepEqual(b.problems, []);
});

test("filtering the feed by severity and status shows only matching anomalies", async () => {
  const { page } = b;
  await page.getByLabel("Severity").selectOption("high");
  await eventually(async () => (await page.locator("[data-anomaly-id]").count()) > 0 || (await page.getByText("No anomalies match").count()) > 0);
  const severities = await page.locator("[data-anomaly-id]").allInnerTexts();
  for (const text of severities) assert.match(text, /High/, text);
  assert.match(page.url(), /severity=high/);
  await page.getByLabel("Status").selectOption("dismissed");
  await page.getByLabel("Severity").selectOption("");
  await page.getByLabel("Status").selectOption("");
  await page.locator("[data-anomaly-id]").first().waitFor();
});

test("an event sent through the API appears in the feed within 2 seconds, without reload", async () => {
  const { page } = b;
  await page.locator('[data-live-mode="live"], [data-live-mode="polling"]').waitFor({ timeout: 10000 });
  const navigations = [];
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

  // A normal baseline, then one line unlike anything before it.
  const marker = `PANIC kernel ${Date.now().toString(36)} ${"\u00a7".repeat(3)} segfault at 0x${Math.floor(Math.random() * 1e12).toString(16)} ${Math.random().toString(36).repeat(4)}`;
  const events = [...normalLogLines(40, Date.now() % 1000).map((body) => ({ type: "log", body })), { type: "log", body: marker }];
  const sent = await api("/events", { method: "POST", auth: seed.acme.apiKey, body: { stream: "checkout-api", events } });
  assert.equal(sent.status, 200, sent.text);
  const sentAt = Date.now();
  const flagged = sent.json.verdicts.filter((v) => v.anomaly && v.anomaly_id);
  assert.ok(flagged.length > 0, `the detector flagged nothing in this batch: ${sent.text.slice(0, 400)}`);
  const id = flagged.at(-1).anomaly_id;
  await page.locator(`[data-anomaly-id="${id}"]`).waitFor({ timeout: 2000 });
  const seenAfter = Date.now() - sentAt;
  assert.ok(seenAfter <= 2000, `appeared after ${seenAfter} ms`);
  assert.deepEqual(navigations, [], "the page did not reload");
  await screenshots(page, "feed-live");
});
