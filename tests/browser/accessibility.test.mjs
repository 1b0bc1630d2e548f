// Every page: no serious or critical axe-core violations, no sideways scrolling at 390 px or
// 1440 px, screenshots at both widths; and the main journeys work with the keyboard alone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, uniqueName } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { NARROW, WIDE, dash, fitsWidth, openBrowser, screenshots, seriousViolations, signIn } from "./support/browser.mjs";

let b;
let anomalyId;
before(async () => {
  b = await openBrowser();
  const made = await api("/anomalies", {
    method: "POST",
    auth: seed.acme.apiKey,
    body: { stream: "checkout-api", severity: "medium", score: 0.8, p_value: 0.01, event_excerpt: `WARN ${uniqueName("kbd")} slow lock wait` },
  });
  assert.equal(made.status, 201, made.text);
  anomalyId = made.json.id;
});
after(async () => { await b?.close(); });

const PAGES = [
  ["feed", "/", "Live feed"],
  ["anomaly", () => `/anomalies/${anomalyId}`, /Anomaly on/],
  ["streams", "/streams", "Streams"],
  ["usage", "/usage", "Usage"],
  ["billing", "/billing", "Billing"],
  ["api-keys", "/api-keys", "API keys"],
];

test("the sign-in page has no serious accessibility violations", async () => {
  const { page } = b;
  await page.goto(dash("/"));
  await page.getByRole("heading", { level: 1, name: "Sign in to DriftLock" }).waitFor();
  for (const vp of [WIDE, NARROW]) {
    await page.setViewportSize(vp);
    assert.deepEqual(await seriousViolations(page), [], `sign-in at ${vp.width}px`);
    assert.ok(await fitsWidth(page), `sign-in fits ${vp.width}px`);
  }
  await screenshots(page, "sign-in");
});

for (const [name, path, heading] of PAGES) {
  test(`the ${name} page has no serious accessibility violations and holds at 390 and 1440 px`, async () => {
    const { page } = b;
    const url = typeof path === "function" ? path() : path;
    await signIn(page, seed.users.acmeOwner, url);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await page.locator('[role="status"][aria-label="Loading"]').waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
    for (const vp of [WIDE, NARROW]) {
      await page.setViewportSize(vp);
      await page.waitForTimeout(200);
      assert.deepEqual(await seriousViolations(page), [], `${name} at ${vp.width}px`);
      assert.ok(await fitsWidth(page), `${name} has no sideways scroll at ${vp.width}px`);
    }
    await screenshots(page, `page-${name}`);
    assert.deepEqual(b.problems, []);
  });
}

test("keyboard only: skip link, main navigation, opening an anomaly and acknowledging it", async () => {
  const { page } = b;
  await page.setViewportSize(WIDE);
  await signIn(page);
  await page.getByRole("heading", { level: 1, name: "Live feed" }).waitFor();
  await page.locator("[data-anomaly-id]").first().waitFor();

  // The first Tab reaches the skip link; Enter moves focus to the main content.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "main");

  // Tab from the main content to the anomaly we made and open it with Enter.
  const link = page.locator(`[data-anomaly-id="${anomalyId}"] a`);
  await link.waitFor();
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await link.evaluate((el) => el === document.activeElement);
  }
  assert.ok(reached, "the anomaly row is reachable with Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: /Anomaly on/ }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "page-title", "focus moves to the new page's heading");

  const ack = page.getByRole("button", { name: "Acknowledge" });
  reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await ack.evaluate((el) => el === document.activeElement);
  }
  assert.ok(reached, "Acknowledge is reachable with Tab");
  await page.keyboard.press("Enter");
  await page.getByText("Marked acknowledged.").waitFor();
  assert.equal((await api(`/anomalies/${anomalyId}`, { auth: seed.acme.apiKey })).json.status, "acknowledged");

  // Main navigation by keyboard: focus the Usage link and press Enter.
  const usage = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Usage" });
  await usage.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Usage" }).waitFor();
  assert.match(page.url(), /\/usage$/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "page-title");
});

test("keyboard only: the revoke dialog traps focus and Escape cancels it", async () => {
  const { page } = b;
  await signIn(page, seed.users.acmeOwner, "/api-keys");
  await page.getByLabel("Name").focus();
  await page.keyboard.type(uniqueName("kbd-key"));
  await page.keyboard.press("Enter");
  await page.getByTestId("new-key-secret").waitFor();
  const revoke = page.getByRole("button", { name: /^Revoke kbd-key/ }).first();
  await revoke.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Cancel", "focus starts on Cancel");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.ok(await revoke.evaluate((el) => el === document.activeElement), "focus returns to the Revoke button");
});
