// Tuning a stream: the sensitivity slider's new value is stored by the API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

let b;
let original;
before(async () => { b = await openBrowser(); });
after(async () => {
  // Put the seeded stream back the way we found it.
  if (original) await api(`/streams/${original.id}`, { method: "PATCH", auth: seed.acme.apiKey, body: { sensitivity: original.sensitivity } });
  await b?.close();
});

const streamsNow = async () => (await api("/streams", { auth: seed.acme.apiKey })).json.data;

test("an owner changes a stream's sensitivity with the slider and the API stores it", async () => {
  const { page } = b;
  original = (await streamsNow()).find((s) => s.name === "checkout-api");
  assert.ok(original, "the seed has the checkout-api stream");

  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Streams" }).click();
  await page.getByRole("heading", { level: 1, name: "Streams" }).waitFor();
  const card = page.locator('form[data-stream="checkout-api"]');
  const slider = card.getByRole("slider", { name: "Sensitivity" });
  await slider.waitFor();
  assert.equal(Number(await slider.inputValue()), original.sensitivity);

  // By keyboard: five steps of 0.01 up (or down, if already near the top).
  await slider.focus();
  const key = original.sensitivity <= 0.9 ? "ArrowRight" : "ArrowLeft";
  for (let i = 0; i < 5; i++) await page.keyboard.press(key);
  const expected = Math.round((original.sensitivity + (key === "ArrowRight" ? 0.05 : -0.05)) * 100) / 100;
  assert.equal(Number(await card.getByTestId("sensitivity-value").innerText()), expected);
  await card.getByRole("button", { name: "Save" }).click();
  await card.getByText(/^Saved: sensitivity/).waitFor();

  const stored = (await streamsNow()).find((s) => s.id === original.id);
  assert.ok(Math.abs(stored.sensitivity - expected) < 1e-9, `stored ${stored.sensitivity}, expected ${expected}`);

  await page.reload();
  await page.locator('form[data-stream="checkout-api"]').getByTestId("sensitivity-value").filter({ hasText: expected.toFixed(2) }).waitFor();
  await screenshots(page, "streams");
  assert.deepEqual(b.problems, []);
});
