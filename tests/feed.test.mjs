// The live feed: a fetch-based SSE client with an Authorization header sees new anomalies,
// and resumes with Last-Event-ID without missing any.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, uniqueName } from "./support/api.mjs";
import { seed, stack, userToken } from "./support/stack.mjs";

/** Reads SSE events from the feed until `until(events)` is true or the time is up. */
async function readFeed({ headers = {}, until, timeoutMs = 8000, onOpen }) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const events = [];
  try {
    const res = await fetch(new URL("/anomalies/stream", stack.apiUrl), {
      headers: { authorization: `Bearer ${userToken(seed.users.acmeOwner)}`, ...headers },
      signal: ctrl.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /text\/event-stream/);
    await onOpen?.();
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = {};
        for (const line of block.split("\n")) {
          const m = line.match(/^(id|event|data): ?(.*)$/);
          if (m) ev[m[1]] = m[2];
        }
        if (ev.event === "anomaly") events.push({ id: ev.id, data: JSON.parse(ev.data) });
      }
      if (until(events)) break;
    }
  } catch (e) {
    if (e.name !== "AbortError") throw e;
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return events;
}

const record = (excerpt) =>
  api("/anomalies", { method: "POST", auth: seed.acme.apiKey, body: { stream: "feed-test", event_excerpt: excerpt, score: 0.9, severity: "medium" } });

test("a new anomaly appears on the live feed within two seconds", async () => {
  const marker = uniqueName("live");
  let sentAt = 0;
  const events = await readFeed({
    onOpen: async () => {
      sentAt = Date.now();
      assert.equal((await record(marker)).status, 201);
    },
    until: (evs) => evs.some((e) => e.data.event_excerpt === marker),
  });
  const hit = events.find((e) => e.data.event_excerpt === marker);
  assert.ok(hit, "the anomaly arrived on the feed");
  assert.ok(Date.now() - sentAt < 4000);
  assert.equal(String(hit.data.seq), hit.id);
});

test("a client that reconnects with Last-Event-ID gets what it missed, in order", async () => {
  const first = (await record(uniqueName("before"))).json;
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await record(uniqueName("missed"))).json);
  const events = await readFeed({ headers: { "last-event-id": String(first.seq) }, until: (evs) => evs.length >= 3 });
  assert.deepEqual(events.slice(0, 3).map((e) => e.data.id), missed.map((m) => m.id));
});

test("the feed needs credentials and an org's feed carries only its own anomalies", async () => {
  const res = await fetch(new URL("/anomalies/stream", stack.apiUrl));
  assert.equal(res.status, 401);
  const first = (await record(uniqueName("acme-only"))).json;
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(), 2500);
  const globex = await fetch(new URL("/anomalies/stream", stack.apiUrl), {
    headers: { authorization: `Bearer ${seed.globex.apiKey}`, "last-event-id": String(first.seq - 1) }, signal: ctrl.signal,
  });
  let text = "";
  try { for await (const c of globex.body) text += Buffer.from(c).toString(); } catch {}
  assert.ok(!text.includes(first.id));
});
