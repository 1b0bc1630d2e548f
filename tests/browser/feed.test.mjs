// The live feed, as a customer uses it: sign in, see what the detector found, watch new
// anomalies arrive while sending events through the API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, eventually, normalLogLines, uniqueName } from "../support/api.mjs";
import { seed } from "../support/stack.mjs";
import { openBrowser, screenshots, signIn } from "./support/browser.mjs";

const send = (stream, lines) =>
  api("/events", { method: "POST", auth: seed.acme.apiKey, body: { stream, events: lines.map((body) => ({ type: "log", body })) } });

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

test("an event sent through the API appears in the feed within 2 seconds, without reload, with its novel bytes highlighted", async () => {
  const { page } = b;
  // A fresh stream with a normal baseline first (the detector needs one), sent before we watch.
  const stream = uniqueName("browser-live");
  const warm = await send(stream, normalLogLines(300));
  assert.equal(warm.status, 200, warm.text);

  await page.locator('[data-live-mode="live"], [data-live-mode="polling"]').waitFor({ timeout: 10000 });
  const navigations = [];
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

  const odd = "FATAL kernel: machine check exception on cpu 3, bank 4: uncorrectable ECC error, halting";
  const sent = await send(stream, [...normalLogLines(5, 99), odd]);
  const sentAt = Date.now();
  assert.equal(sent.status, 200, sent.text);
  const v = sent.json.verdicts.at(-1);
  assert.ok(v.anomaly && v.anomaly_id, `the detector flagged the odd line: ${JSON.stringify(v).slice(0, 300)}`);

  const row = page.locator(`[data-anomaly-id="${v.anomaly_id}"]`);
  await row.waitFor({ timeout: 2000 });
  const seenAfter = Date.now() - sentAt;
  assert.ok(seenAfter <= 2000, `appeared after ${seenAfter} ms`);
  assert.deepEqual(navigations, [], "the page did not reload");
  assert.match(await row.innerText(), new RegExp(stream));
  await screenshots(page, "feed-live");

  // Its detail page highlights the bytes the baseline could not explain.
  await row.locator("a").click();
  await page.getByRole("heading", { level: 1, name: `Anomaly on ${stream}` }).waitFor();
  const marked = (await page.getByTestId("event-excerpt").locator("mark").allInnerTexts()).join("");
  assert.ok(marked.length > 0, "some bytes are highlighted");
  const expected = v.novel.map(([s, e]) => Buffer.from(odd).subarray(s, e).toString()).join("");
  assert.equal(marked, expected);
  assert.deepEqual(b.problems, []);
});

test("when the live stream is unreachable the feed falls back to polling and still shows new anomalies", async () => {
  const { context } = b;
  const page = await context.newPage();
  try {
    // A proxy or network that drops event streams: every /anomalies/stream request fails.
    await page.route((u) => u.pathname === "/anomalies/stream", (route) => route.abort("connectionreset"));
    await signIn(page);
    await page.locator('[data-live-mode="polling"]').waitFor({ timeout: 10000 });
    await page.getByText("Polling every 2 s").waitFor();

    const made = await api("/anomalies", {
      method: "POST",
      auth: seed.acme.apiKey,
      body: { stream: "checkout-api", severity: "low", score: 0.7, event_excerpt: `INFO ${uniqueName("polled")} odd but harmless` },
    });
    assert.equal(made.status, 201, made.text);
    const sentAt = Date.now();
    await page.locator(`[data-anomaly-id="${made.json.id}"]`).waitFor({ timeout: 4000 });
    const seenAfter = Date.now() - sentAt;
    // One poll interval (2 s) plus the request itself.
    assert.ok(seenAfter <= 3000, `appeared after ${seenAfter} ms`);
  } finally {
    await page.close();
  }
});

test("the feed stays live across the server ending the stream (it resumes with Last-Event-ID)", async () => {
  const page = await b.context.newPage();
  try {
    const streamRequests = [];
    page.on("request", (r) => { if (new URL(r.url()).pathname === "/anomalies/stream") streamRequests.push(r.headers()["last-event-id"] ?? null); });
    await signIn(page);
    await page.locator('[data-live-mode="live"]').waitFor({ timeout: 10000 });
    // The Worker ends each connection after about 25 s; wait for the client to reconnect.
    const until = Date.now() + 40000;
    while (streamRequests.length < 2 && Date.now() < until) await page.waitForTimeout(500);
    assert.ok(streamRequests.length >= 2, `reconnected (${streamRequests.length} stream requests)`);
    assert.ok(streamRequests.at(-1), "the reconnect carried Last-Event-ID");

    const made = await api("/anomalies", {
      method: "POST",
      auth: seed.acme.apiKey,
      body: { stream: "checkout-api", severity: "medium", score: 0.8, event_excerpt: `WARN ${uniqueName("after-reconnect")} cache stampede` },
    });
    assert.equal(made.status, 201, made.text);
    const sentAt = Date.now();
    await page.locator(`[data-anomaly-id="${made.json.id}"]`).waitFor({ timeout: 2000 });
    assert.ok(Date.now() - sentAt <= 2000);
  } finally {
    await page.close();
  }
});
