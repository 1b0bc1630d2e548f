// Someone in two organizations switches between them and sees each one's own anomalies.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, uniqueName } from "../support/api.mjs";
import { freshOrg, sql } from "../support/db.mjs";
import { openBrowser, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("a member of two organizations switches between them and each shows only its own anomalies", async () => {
  const first = freshOrg(uniqueName("Umbrella"));
  const second = freshOrg(uniqueName("Initech"));
  sql(`insert into public.organization_members (org_id, user_id, role) values ('${second.orgId}', '${first.user.id}', 'admin')`);
  const record = (org, text) =>
    api("/anomalies", { method: "POST", auth: org.apiKey, body: { stream: "orders", severity: "high", score: 0.9, event_excerpt: text } });
  const a = await record(first, `ERROR ${uniqueName("first-org")} only here`);
  const c = await record(second, `ERROR ${uniqueName("second-org")} only there`);
  assert.equal(a.status, 201, a.text);
  assert.equal(c.status, 201, c.text);

  const { page } = b;
  await signIn(page, first.user);
  const switcher = page.getByLabel("Organization");
  await switcher.waitFor();
  const names = await switcher.locator("option").allInnerTexts();
  assert.equal(names.length, 2, names.join(", "));

  await switcher.selectOption(first.orgId);
  await page.locator(`[data-anomaly-id="${a.json.id}"]`).waitFor();
  assert.equal(await page.locator(`[data-anomaly-id="${c.json.id}"]`).count(), 0);

  await switcher.selectOption(second.orgId);
  await page.locator(`[data-anomaly-id="${c.json.id}"]`).waitFor();
  assert.equal(await page.locator(`[data-anomaly-id="${a.json.id}"]`).count(), 0);

  // The choice survives a reload.
  await page.reload();
  await page.locator(`[data-anomaly-id="${c.json.id}"]`).waitFor();
  assert.equal(await switcher.inputValue(), second.orgId);
  assert.deepEqual(b.problems, []);
});
