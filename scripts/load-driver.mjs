// Open-loop load on POST /events for scripts/load: C clients (one API key each, one fresh
// organization) send batches at a fixed total rate; pairs of clients share a stream, pairs use
// different streams. A batch answered 503/429 or cut off (connection refused or reset while the
// Worker restarts) is retried after Retry-After with the same Idempotency-Key until it is
// accepted. Afterwards the organization's stored usage and anomalies must equal exactly what the
// clients were told was accepted. Prints the figures; exit status 1 when anything was lost.
// Loopback only. Run through scripts/load (env: DRIFTLOCK_API_URL, DATABASE_URL).
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const duration = Number(opt("duration", 60));
const rate = Number(opt("rate", 40));             // requests per second, all clients together
const clients = Number(opt("clients", 8));
const batchSize = Number(opt("batch", 10));        // events per request
const drainSecs = Number(opt("drain", 90));        // how long pending batches may keep retrying
const readyFile = opt("ready-file");               // written once the clients start (fault timing)
const api = new URL(process.env.DRIFTLOCK_API_URL ?? "http://127.0.0.1:8787");
const db = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:54322/postgres";
if (!["127.0.0.1", "localhost"].includes(api.hostname)) throw new Error("scripts/load only targets 127.0.0.1");
if (rate / clients > 9) throw new Error(`--rate ${rate} over ${clients} clients passes the 600/min per-key limit: add clients`);

const sql = (q) => execFileSync("psql", [db, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", q], { encoding: "utf8" }).trim();

// One fresh organization on the Growth plan (never blocked by quota), one key per client.
const orgId = randomUUID();
const keys = Array.from({ length: clients }, () => {
  const prefix = `dl_${randomBytes(4).toString("hex")}`;
  return `${prefix}_${randomBytes(16).toString("hex")}`;
});
sql(`insert into public.organizations (id, name, plan_id) values ('${orgId}', 'load-${orgId.slice(0, 8)}', 'growth');
  insert into public.api_keys (org_id, name, prefix, key_hash, scopes) values ${keys.map((k, i) =>
    `('${orgId}', 'load client ${i}', '${k.slice(0, 11)}', '${createHash("sha256").update(k).digest("hex")}', array['events:write','usage:read','anomalies:read'])`).join(",")};`);

const users = ["alice", "bob", "carol", "dave", "erin"], paths = ["/cart", "/checkout", "/login", "/search", "/items"];
let seed = 7;
function line() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  if (seed % 53 === 0) return `ERROR upstream ${seed % 9} refused connection: reset by peer after ${seed % 3000} ms`;
  return `INFO request ${paths[seed % 5]} user=${users[(seed >> 8) % 5]} status=200 latency_ms=${20 + (seed % 30)}`;
}

const stats = { scheduled: 0, attempts: 0, statuses: {}, latencies: [], e2e: [], accepted: 0, anomalies: 0, batchesOk: 0, retried: 0, replayed: 0, failed: 0, networkErrors: 0 };
const count = (k) => (stats.statuses[k] = (stats.statuses[k] ?? 0) + 1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let sendEnd = 0, drainEnd = 0;

async function sendBatch(client, n) {
  const stream = `load-stream-${Math.floor(client / 2)}`;
  const body = JSON.stringify({ stream, events: Array.from({ length: batchSize }, () => ({ body: line() })) });
  const idem = `load-${orgId.slice(0, 8)}-${client}-${n}`;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) stats.retried++;
    const t0 = performance.now();
    let res, json;
    stats.attempts++;
    try {
      res = await fetch(new URL("/events", api), {
        method: "POST", body, signal: AbortSignal.timeout(30000),
        headers: { authorization: `Bearer ${keys[client]}`, "content-type": "application/json", "idempotency-key": idem },
      });
      json = await res.json().catch(() => undefined);
    } catch (e) {
      stats.networkErrors++;
      count("network");
      if (Date.now() > drainEnd) { stats.failed++; return; }
      await sleep(1000);
      continue;
    }
    count(res.status);
    if (res.status === 200) {
      stats.latencies.push(performance.now() - t0);
      stats.e2e.push(performance.now() - started);
      stats.batchesOk++;
      stats.accepted += json.accepted;
      stats.anomalies += json.verdicts.filter((v) => v.anomaly_id).length;
      if (json.replayed) stats.replayed++;
      return;
    }
    if ((res.status === 503 || res.status === 429) && Date.now() < drainEnd) {
      const after = Number(res.headers.get("retry-after"));
      if (!(after > 0)) throw new Error(`${res.status} without Retry-After: ${JSON.stringify(json)}`);
      await sleep(Math.min(after, 5) * 1000);
      continue;
    }
    stats.failed++;
    console.error(`batch ${idem} given up: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return;
  }
}

async function client(c, t0) {
  const interval = (1000 * clients) / rate;
  const pending = [];
  for (let n = 0; ; n++) {
    const at = t0 + c * (interval / clients) + n * interval;
    if (at >= sendEnd) break;
    await sleep(Math.max(0, at - Date.now()));
    stats.scheduled++;
    pending.push(sendBatch(c, n));
  }
  await Promise.all(pending);
}

const usage = async () => {
  const r = await fetch(new URL("/usage", api), { headers: { authorization: `Bearer ${keys[0]}` } });
  if (r.status !== 200) throw new Error(`GET /usage answered ${r.status}`);
  return r.json();
};
const before = await usage();
const t0 = Date.now() + 200;
sendEnd = t0 + duration * 1000;
drainEnd = sendEnd + drainSecs * 1000;
if (readyFile) writeFileSync(readyFile, String(t0));
await Promise.all(Array.from({ length: clients }, (_, c) => client(c, t0)));
const elapsed = Math.max(duration, (Date.now() - t0) / 1000);

// Convergence: stored figures must equal what clients were told, exactly.
let after, storedAnomalies;
for (let i = 0; i < 30; i++) {
  try {
    after = await usage();
    storedAnomalies = Number(sql(`select count(*) from public.anomalies where org_id = '${orgId}'`));
    if (after.events_scored - before.events_scored === stats.accepted && storedAnomalies === stats.anomalies) break;
  } catch { /* the stack may still be coming back */ }
  await sleep(1000);
}
const scored = after.events_scored - before.events_scored;
const detected = after.anomalies_detected - before.anomalies_detected;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const result = {
  duration_s: duration, target_rate_rps: rate, clients, streams: Math.ceil(clients / 2), events_per_request: batchSize,
  batches_scheduled: stats.scheduled, batches_accepted: stats.batchesOk, batches_given_up: stats.failed,
  // Held rate: what was accepted over the whole time it took (sending plus catching up).
  held_rps: +(stats.batchesOk / elapsed).toFixed(1), held_events_per_s: +(stats.accepted / elapsed).toFixed(1),
  wall_s_including_retries: +elapsed.toFixed(1),
  latency_ms_200: { p50: +pct(stats.latencies, 50).toFixed(1), p99: +pct(stats.latencies, 99).toFixed(1), max: +pct(stats.latencies, 100).toFixed(1) },
  latency_ms_end_to_end: { p50: +pct(stats.e2e, 50).toFixed(1), p99: +pct(stats.e2e, 99).toFixed(1) },
  attempts: stats.attempts, retries: stats.retried, replayed_answers: stats.replayed, statuses: stats.statuses,
  events_accepted: stats.accepted, events_stored: scored, anomalies_told: stats.anomalies,
  anomalies_stored_usage: detected, anomalies_stored_rows: storedAnomalies,
  events_lost: Math.max(0, stats.accepted - scored), events_double_counted: Math.max(0, scored - stats.accepted),
};
console.log(JSON.stringify(result, null, 2));
const ok = result.events_lost === 0 && result.events_double_counted === 0 && detected === stats.anomalies
  && storedAnomalies === stats.anomalies && stats.failed === 0 && stats.batchesOk === stats.scheduled;
console.log(ok ? "load: OK, nothing lost" : "load: MISMATCH (see above)");
process.exit(ok ? 0 : 1);
