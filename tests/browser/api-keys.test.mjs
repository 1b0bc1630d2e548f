// API keys: create one (its secret shown once), use it, revoke it, and see it refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, eventually, uniqueName } from "../support/api.mjs";
import { seed, stack } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("an owner creates an API key, uses it, revokes it, and the API then refuses it with 401", async () => {
  const { page } = b;
  await signIn(page, seed.users.acmeOwner, "/api-keys");
  await page.getByRole("heading", { level: 1, name: "API keys" }).waitFor();

  const name = uniqueName("browser-key");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const secretBox = page.getByTestId("new-key-secret");
  await secretBox.waitFor();
  const secret = (await secretBox.innerText()).trim();
  assert.match(secret, /^dl_/);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByText(/Copied to the clipboard|press Ctrl\+C/).waitFor();
  await screenshots(page, "api-keys-created");

  const used = await api("/anomalies?limit=1", { auth: secret });
  assert.equal(used.status, 200, `the new key works: ${used.text.slice(0, 200)}`);
  // The page shows how to scrape GET /metrics, and the new key can.
  const scrape = await page.getByTestId("scrape-config").innerText();
  assert.match(scrape, /metrics_path: \/metrics/);
  assert.ok(scrape.includes(`targets: ["${new URL(stack.apiUrl).host}"]`), scrape);
  const metrics = await api("/metrics", { auth: secret });
  assert.equal(metrics.status, 200, metrics.text.slice(0, 200));
  assert.match(metrics.text, /^driftlock_plan_info\{plan="/m);

  // The secret is shown once: after dismissing, it is gone from the page.
  await page.getByRole("button", { name: "I have stored it" }).click();
  assert.equal(await page.getByText(secret).count(), 0);

  const row = page.locator(`tr[data-key-name="${name}"]`);
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: new RegExp(`Revoke “${name}”`) });
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await row.getByText("Revoked").waitFor();

  await eventually(async () => (await api("/anomalies?limit=1", { auth: secret })).status === 401, { timeoutMs: 5000 });
  const refused = await api("/anomalies?limit=1", { auth: secret });
  assert.equal(refused.status, 401);
  assert.equal(typeof refused.json?.error?.code, "string");
  await screenshots(page, "api-keys");
  assert.deepEqual(b.problems, []);
});
