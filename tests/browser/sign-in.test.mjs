// Signing in locally (the token scripts/dev prints) and being sent back when a session ends.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed, signJwt, userToken } from "../support/stack.mjs";
import { dash, openBrowser } from "./support/browser.mjs";

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

test("pasting an access token on the sign-in page signs the owner in", async () => {
  const { page } = b;
  await page.goto(dash("/"));
  await page.getByRole("heading", { level: 1, name: "Sign in to DriftLock" }).waitFor();
  await page.getByLabel("Access token").fill(userToken(seed.users.acmeOwner));
  await page.getByRole("button", { name: "Sign in with token" }).click();
  await page.getByRole("heading", { level: 1, name: "Live feed" }).waitFor();
  await page.getByText(seed.users.acmeOwner.email).waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { level: 1, name: "Sign in to DriftLock" }).waitFor();
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Sign in to DriftLock" }).waitFor();
});

test("a token the API refuses ends the session with a clear notice", async () => {
  const { page } = b;
  const now = Math.floor(Date.now() / 1000);
  const forged = signJwt({ aud: "authenticated", role: "authenticated", sub: seed.users.acmeOwner.id, iat: now, exp: now + 600 }, "not-the-project-secret-at-all-0123456789");
  await page.goto("about:blank");
  await page.goto(`${dash("/")}#access_token=${forged}&token_type=bearer`);
  const notice = page.getByRole("status").filter({ hasText: "Your session has ended" });
  await notice.waitFor();
  assert.ok(!page.url().includes("access_token"));
});
