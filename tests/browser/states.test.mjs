// Loading, empty and error states: every page says what is happening and offers a way on.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { stack } from "../support/stack.mjs";
import { openBrowser, screenshots, seriousViolations, signIn } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

const apiOrigin = () => new URL(stack.apiUrl).origin;
const isApi = (u, path) => u.origin === apiOrigin() && (path === undefined || u.pathname === path);
const unavailable = { status: 503, contentType: "application/json", headers: { "Retry-After": "5", "X-Request-Id": "req-browser-503", "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Request-Id, Retry-After" },
  body: JSON.stringify({ error: { code: "unavailable", message: "the database is not reachable", request_id: "req-browser-503" } }) };

const PAGES = [["/streams", "Streams"], ["/usage", "Usage"], ["/billing", "Billing"], ["/api-keys", "API keys"], ["/", "Live feed"]];

for (const [path, title] of PAGES) {
  test(`when the API is down, ${title} shows an error with the request id and recovers on retry`, async () => {
    const page = await b.context.newPage();
    try {
      await page.route((u) => isApi(u) && u.pathname !== "/me", (route) => route.fulfill(unavailable));
      await signIn(page, undefined, path);
      const alert = page.getByRole("alert").filter({ hasText: "Could not load" });
      await alert.waitFor();
      assert.match(await alert.innerText(), /temporarily unavailable; try again in 5 s/);
      assert.match(await alert.innerText(), /req-browser-503/);
      assert.deepEqual(await seriousViolations(page), []);
      if (path === "/usage") await screenshots(page, "state-error");
      await page.unrouteAll();
      await alert.getByRole("button", { name: "Try again" }).click();
      await alert.waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });
}

test("a new organization's feed explains how to get its first anomaly", async () => {
  const page = await b.context.newPage();
  try {
    await page.route((u) => isApi(u, "/anomalies"), (route) =>
      route.fulfill({ status: 200, contentType: "application/json", headers: { "Access-Control-Allow-Origin": "*" }, body: JSON.stringify({ data: [], next_cursor: null }) }));
    await signIn(page);
    await page.getByText("No anomalies yet").waitFor();
    await page.getByText(/POST \/events/).first().waitFor();
    await screenshots(page, "state-empty");
  } finally {
    await page.close();
  }
});

test("slow answers show a loading state instead of a blank page", async () => {
  const page = await b.context.newPage();
  try {
    let release;
    const gate = new Promise((r) => { release = r; });
    await page.route((u) => isApi(u, "/usage"), async (route) => { await gate; await route.continue(); });
    await signIn(page, undefined, "/usage");
    await page.getByRole("status", { name: "Loading" }).waitFor();
    release();
    await page.getByTestId("usage-chart").waitFor();
  } finally {
    await page.close();
  }
});
