// Closed-loop HTTP benchmark for scripts/bench: N requests at fixed concurrency against one
// URL; prints JSON {requests, seconds, rps, p50_ms, p99_ms, statuses}. Loopback only.
// Usage: node scripts/http-bench.mjs URL --requests N --concurrency C [--method M] [--body-file F] [--header 'k: v']...
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const url = new URL(args[0]);
if (!["127.0.0.1", "localhost"].includes(url.hostname)) throw new Error("benchmarks only target 127.0.0.1");
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i > 0 ? args[i + 1] : dflt; };
const requests = Number(opt("requests", 200));
const concurrency = Number(opt("concurrency", 4));
const method = opt("method", "GET");
const bodyFile = opt("body-file");
const body = bodyFile ? readFileSync(bodyFile) : undefined;
const headers = {};
args.forEach((a, i) => { if (a === "--header") { const [k, ...v] = args[i + 1].split(":"); headers[k.trim()] = v.join(":").trim(); } });

const latencies = [];
const statuses = {};
let next = 0;
async function worker() {
  while (next < requests) {
    next++;
    const t0 = performance.now();
    const res = await fetch(url, { method, headers, body });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
}
const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
console.log(JSON.stringify({ requests, concurrency, seconds: +seconds.toFixed(2), rps: +(requests / seconds).toFixed(1), p50_ms: +pct(50).toFixed(1), p99_ms: +pct(99).toFixed(1), statuses }));
