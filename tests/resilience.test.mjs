// Keeping promises through restarts and outages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { api, errorOf, eventually, normalLogLines, uniqueName } from "./support/api.mjs";
import { seed, userToken } from "./support/stack.mjs";
import { sql } from "./support/db.mjs";

const ctl = (cmd) => execFileSync(fileURLToPath(new URL("../scripts/stack-ctl", import.meta.url)), [cmd], { stdio: "inherit" });
const key = seed.acme.apiKey;
const send = (stream, lines, headers = {}) =>
  api("/events", { method: "POST", auth: key, headers, body: { stream, events: lines.map((body) => ({ body })) } });
const strip = (vs) => vs.map(({ anomaly_id, ...v }) => v);

test("restarting the Worker between two halves of a stream gives the same verdicts as one uninterrupted run", async () => {
  const lines = normalLogLines(500, 31).map((l, i) => (i % 97 === 0 ? `ERROR upstream ${i} refused connection: reset by peer` : l));
  const whole = uniqueName("whole");
  const halves = uniqueName("halves");
  const uninterrupted = [];
  for (let i = 0; i < 500; i += 250) uninterrupted.push(...(await send(whole, lines.slice(i, i + 250))).json.verdicts);
  const first = await send(halves, lines.slice(0, 250));
  assert.equal(first.status, 200, first.text);
  ctl("restart-worker");
  // The client's pooled connection died with the old process: retry, as a client would, with
  // the same Idempotency-Key so a retry can never be counted twice.
  const key = { "idempotency-key": uniqueName("second-half") };
  const second = await eventually(() => send(halves, lines.slice(250), key).catch(() => null), { timeoutMs: 30000 });
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(strip([...first.json.verdicts, ...second.json.verdicts]), strip(uninterrupted));
});

test("while PostgREST is down, clients get 503 with Retry-After, and a retry afterwards is counted once", async () => {
  const stream = uniqueName("outage");
  const idem = { "idempotency-key": uniqueName("outage-batch") };
  const before = (await api("/usage", { auth: key })).json.events_scored;
  ctl("stop-postgrest");
  try {
    const down = await send(stream, normalLogLines(10), idem);
    assert.equal(down.status, 503, down.text);
    assert.ok(Number(down.headers.get("retry-after")) > 0);
    errorOf(down);
    const ready = await api("/ready");
    assert.equal(ready.status, 503);
  } finally {
    ctl("start-postgrest");
  }
  const ok = await eventually(async () => {
    const r = await send(stream, normalLogLines(10), idem);
    return r.status === 200 ? r : null;
  });
  assert.equal(ok.json.accepted, 10);
  const after = (await api("/usage", { auth: key })).json.events_scored;
  assert.equal(after - before, 10);
});

const INGEST_BATCH = "public.ingest_batch(uuid, uuid, text, integer, jsonb)";
const RESOLVE_EVENTS_REQUEST = "public.resolve_events_request(text, text, text)";

// Runs `body` while the service role may not execute `fn` (a deployment missing a grant).
async function withoutServiceGrant(fn, body) {
  sql(`revoke execute on function ${fn} from service_role`);
  try {
    return await body();
  } finally {
    sql(`grant execute on function ${fn} to service_role`);
  }
}

// A refusal that blames the deployment, not the client, and does not repeat the database.
function assertMisconfigured(res, hidden) {
  assert.equal(res.status, 503, res.text);
  assert.equal(errorOf(res).code, "misconfigured");
  assert.ok(Number(res.headers.get("retry-after")) > 0);
  assert.doesNotMatch(res.text, hidden);
}

test("a database that refuses the service its grant gets 503 without the database's words, and a retry afterwards is counted once", async () => {
  const stream = uniqueName("grantless");
  const idem = { "idempotency-key": uniqueName("grantless-batch") };
  const before = (await api("/usage", { auth: key })).json.events_scored;
  const refused = await withoutServiceGrant(INGEST_BATCH, () => send(stream, normalLogLines(10), idem));
  assertMisconfigured(refused, /permission|ingest_batch|function/i);
  const ok = await send(stream, normalLogLines(10), idem);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.accepted, 10);
  const after = (await api("/usage", { auth: key })).json.events_scored;
  assert.equal(after - before, 10);
});

test("a database that refuses the service the grant to resolve API keys gets 503 without the database's words, not a 403 blaming the key", async () => {
  const refused = await withoutServiceGrant(RESOLVE_EVENTS_REQUEST, () => send(uniqueName("keyless-grant"), normalLogLines(3)));
  assertMisconfigured(refused, /permission|resolve_events_request|function/i);
  const ok = await send(uniqueName("keyless-grant"), normalLogLines(3));
  assert.equal(ok.status, 200, ok.text);
});

test("a batch sent without an Idempotency-Key that could not be stored is learned once when the client sends it again", async () => {
  const stream = uniqueName("keyless-resend");
  const before = (await api("/usage", { auth: key })).json.events_scored;
  const first = await send(stream, normalLogLines(10, 3));
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.json.verdicts.map((v) => v.index), [...Array(10).keys()]);
  const batch = normalLogLines(10, 7);
  const refused = await withoutServiceGrant(INGEST_BATCH, () => send(stream, batch));
  assert.equal(refused.status, 503, refused.text);
  // The stream's detector scored the refused batch already: the resend gets those verdicts,
  // not a second learning of the same events (which would number them 20..29).
  const resent = await send(stream, batch);
  assert.equal(resent.status, 200, resent.text);
  assert.deepEqual(resent.json.verdicts.map((v) => v.index), [...Array(10).keys()].map((i) => 10 + i));
  assert.equal(resent.json.replayed, false);
  // The same events once more are a new batch, scored and counted as such.
  const again = await send(stream, batch);
  assert.deepEqual(again.json.verdicts.map((v) => v.index), [...Array(10).keys()].map((i) => 20 + i));
  const after = (await api("/usage", { auth: key })).json.events_scored;
  assert.equal(after - before, 30);
});

test("a Worker deployed with an expired service key answers 503 misconfigured where it needs the service role, and users' own requests still work", async () => {
  const hidden = /JWT|expired|PGRST|token/i;
  ctl("restart-worker-expired-service-key");
  try {
    // The old process's pooled connection died with it: retry, as a client would.
    const refused = await eventually(() => send(uniqueName("expired-key"), normalLogLines(3)).catch(() => null), { timeoutMs: 30000 });
    assertMisconfigured(refused, hidden);
    const ready = await api("/ready");
    assert.equal(ready.status, 503, ready.text);
    assert.deepEqual(ready.json.checks, { postgrest: "ok", database: "refused" });
    assert.equal(ready.json.error.code, "misconfigured");
    assert.doesNotMatch(ready.text, hidden);
    // A signed-in user's requests carry their own token, not the service key.
    const mine = await api("/anomalies?limit=1", { auth: userToken(seed.users.acmeOwner) });
    assert.equal(mine.status, 200, mine.text);
  } finally {
    ctl("restart-worker");
  }
  const back = await eventually(async () => {
    const r = await send(uniqueName("expired-key"), normalLogLines(3)).catch(() => null);
    return r?.status === 200 ? r : null;
  }, { timeoutMs: 30000 });
  assert.equal(back.json.accepted, 3);
  assert.equal((await api("/ready")).status, 200);
});
