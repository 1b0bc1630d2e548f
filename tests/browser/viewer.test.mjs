// A viewer reads the organization's anomalies but cannot change them, manage keys or upgrade.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { openBrowser, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("a viewer sees the feed and an anomaly, read-only, and is not offered keys or upgrades", async () => {
  const { page } = b;
  const listed = await api("/anomalies?limit=1", { auth: seed.acme.apiKey });
  const first = listed.json.data[0];
  await signIn(page, seed.users.acmeViewer, `/anomalies/${first.id}`);
  await page.getByRole("heading", { level: 1, name: /Anomaly on/ }).waitFor();
  await page.getByText(/read-only access/).waitFor();
  assert.equal(await page.getByRole("button", { name: /Acknowledge|Resolve|Dismiss|Reopen/ }).count(), 0);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
  await page.getByText("Only owners and admins manage API keys").waitFor();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
  await page.getByRole("heading", { level: 1, name: "Billing" }).waitFor();
  await page.getByText("Only owners and admins can change the plan.").waitFor();
  for (const btn of await page.getByRole("button", { name: /^Upgrade to/ }).all()) assert.equal(await btn.isDisabled(), true);
  assert.deepEqual(b.problems, []);
});
