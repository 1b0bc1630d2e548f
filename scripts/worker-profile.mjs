// Where the Worker's CPU goes: a V8 CPU profile of the Worker isolate (the Worker and its
// Durable Objects share it in `wrangler dev`), taken over the inspector while N requests run
// one at a time. Prints the isolate's busy time per request (every sample except idle) and the
// functions with the most self time, and writes the profile for Chrome DevTools.
// Usage: node scripts/worker-profile.mjs INSPECTOR_PORT URL --requests N [--method M]
//          [--body-file F] [--header 'k: v']... [--idempotency-keys] [--out FILE.cpuprofile] [--top K]
// --idempotency-keys sends a fresh Idempotency-Key with every request (a keyed batch, whose
// answer the stream's detector keeps for retries).
// Loopback only; a figure for finding hot spots, not a pass/fail test.
import { readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const [inspectorPort, target] = args;
const url = new URL(target);
if (!["127.0.0.1", "localhost"].includes(url.hostname)) throw new Error("profiles only target 127.0.0.1");
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i > 0 ? args[i + 1] : dflt; };
const requests = Number(opt("requests", 20));
const method = opt("method", "GET");
const bodyFile = opt("body-file");
const body = bodyFile ? readFileSync(bodyFile) : undefined;
const top = Number(opt("top", 25));
const debug = process.env.WORKER_PROFILE_DEBUG ? (...m) => console.error(new Date().toISOString(), ...m) : () => {};
const headers = {};
const freshKeys = args.includes("--idempotency-keys");
const run = Math.random().toString(36).slice(2);
const headersFor = (i) => (freshKeys ? { ...headers, "idempotency-key": `profile-${run}-${i}` } : headers);
args.forEach((a, i) => { if (a === "--header") { const [k, ...v] = args[i + 1].split(":"); headers[k.trim()] = v.join(":").trim(); } });

// The inspector wants an Origin header (a local one is trusted). Right after the Worker starts
// a first session can stay silent, so each call has a deadline and the session is retried.
let ws;
let id = 0;
const pending = new Map();
const call = (method, params = {}, deadlineMs = 5000) => new Promise((ok, fail) => {
  const n = ++id;
  const timer = setTimeout(() => { pending.delete(n); fail(new Error(`inspector: no answer to ${method}`)); }, deadlineMs);
  pending.set(n, (msg) => { clearTimeout(timer); ok(msg); });
  debug("->", method);
  ws.send(JSON.stringify({ id: n, method, params }));
});
async function connect() {
  ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { origin: "http://127.0.0.1" } });
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error(`inspector on port ${inspectorPort} refused the session`)); });
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) { debug("<-", msg.id); pending.get(msg.id)(msg); pending.delete(msg.id); }
  };
  await call("Profiler.enable");
}
for (let attempt = 1; ; attempt++) {
  try { await connect(); break; } catch (e) {
    ws?.close();
    if (attempt === 5) throw e;
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}
await call("Profiler.setSamplingInterval", { interval: 100 }); // µs
// One request first, so lazy compilation and a cold Durable Object are not in the profile.
debug("warm-up request");
await (await fetch(url, { method, headers: headersFor("warm"), body })).arrayBuffer();
debug("warm-up done");
await call("Profiler.start");
const statuses = {};
for (let i = 0; i < requests; i++) {
  const res = await fetch(url, { method, headers: headersFor(i), body });
  await res.arrayBuffer();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
}
const { result } = await call("Profiler.stop", {}, 60000);
ws.close();
const profile = result.profile;
const out = opt("out");
if (out) writeFileSync(out, JSON.stringify(profile));

// Busy time per sample: the gap to the next sample, capped, because V8 keeps sampling while
// workerd waits on I/O without marking the isolate idle (an uncapped gap would count waiting).
// (workerd samples every ~200 µs whatever is asked; the cap is twice the median gap.)
const gaps = [...profile.timeDeltas].sort((a, b) => a - b);
const cap = 2 * gaps[gaps.length >> 1];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stackOf = (nodeId) => {
  const names = [];
  for (let cur = nodeId; cur; cur = parent.get(cur)) names.push(byId.get(cur).callFrame.functionName || "(anonymous)");
  return names;
};
// The Durable Object's share: every sample whose stack runs inside the object's own request
// task. workers-rs polls each invocation's future from its own monomorphized
// `future_to_promise` closure, so the object's is the one found beneath detector frames; it
// stays beneath everything the object does (framing, SQLite, its database call, its answer),
// even across awaits. Samples outside any such task (microtasks, GC, "(program)") are counted
// as the Worker's, so the Worker's figure leans high.
const TASK = /^js_sys::futures::future_to_promise::\{\{closure\}\}::\{\{closure\}\}/;
let t = profile.startTime;
const samples = profile.samples.map((nodeId, i) => {
  t += profile.timeDeltas[i] ?? 0;
  const stack = stackOf(nodeId);
  const busyUs = stack[0] === "(idle)" ? 0 : Math.min(profile.timeDeltas[i + 1] ?? 0, cap);
  return { t, stack, busyUs };
});
const objectTasks = new Set();
for (const s of samples) if (s.stack.some((n) => n.startsWith("cbad_core::"))) for (const n of s.stack) if (TASK.test(n)) objectTasks.add(n);
const inObject = (s) => s.stack.some((n) => objectTasks.has(n));
let busy = 0, objectBusy = 0, unowned = 0;
const perFunction = new Map();
for (const s of samples) {
  if (!s.busyUs) continue;
  busy += s.busyUs;
  if (inObject(s)) objectBusy += s.busyUs;
  else if (!s.stack.some((n) => TASK.test(n))) unowned += s.busyUs;
  const key = s.stack[0].replace(/::h[0-9a-f]{16}$/, "");
  perFunction.set(key, (perFunction.get(key) ?? 0) + s.busyUs);
}
const ms = (us) => (us / 1000 / requests).toFixed(2);
console.log(`${requests} requests ${JSON.stringify(statuses)}; isolate CPU per request ${ms(busy)} ms: ` +
  `Worker ${ms(busy - objectBusy)} ms + Durable Object ${ms(objectBusy)} ms (${ms(unowned)} ms of the Worker's outside any task)`);
for (const [name, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(us / 1000 / requests).toFixed(3).padStart(8)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name.slice(0, 110)}`);
}
// The inspector may never answer the WebSocket close handshake: do not wait for it.
process.exit(0);
