// Usage against the plan: the chart carries the 70/90/100/120% alert lines.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("the usage chart shows this period against the included amount with the 70/90/100/120% lines", async () => {
  const { page } = b;
  const usage = await api("/usage", { auth: seed.acme.apiKey });
  assert.equal(usage.status, 200, usage.text);
  await signIn(page, seed.users.acmeOwner, "/usage");
  await page.getByRole("heading", { level: 1, name: "Usage" }).waitFor();
  const chart = page.getByTestId("usage-chart");
  await chart.locator("canvas").waitFor();
  assert.equal(await chart.getAttribute("data-thresholds"), "70,90,100,120");
  const legend = page.getByTestId("threshold-legend");
  for (const p of [70, 90, 100, 120]) {
    const value = Math.round((usage.json.included * p) / 100).toLocaleString("en-US");
    assert.match(await legend.locator(`[data-threshold="${p}"]`).innerText(), new RegExp(`${p}% · ${value}`));
  }
  assert.match(await chart.getAttribute("aria-label"), /70%, 90%, 100%, 120%/);
  await page.getByText(usage.json.anomalies_detected.toLocaleString("en-US"), { exact: true }).first().waitFor();
  await screenshots(page, "usage");
  assert.deepEqual(b.problems, []);
});
