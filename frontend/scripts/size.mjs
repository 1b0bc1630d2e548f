// Prints the first-load JavaScript and CSS of the build, raw and gzip: what index.html loads
// (entry + modulepreloads), not the lazy chunks (usage chart, supabase-js).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let js = 0, jsGz = 0, css = 0, cssGz = 0;
for (const r of new Set(refs)) {
  const buf = readFileSync(join(dist, r));
  const gz = gzipSync(buf, { level: 9 }).length;
  if (r.endsWith(".js")) { js += buf.length; jsGz += gz; } else { css += buf.length; cssGz += gz; }
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`first-load JS: ${kb(js)} raw, ${kb(jsGz)} gzip; CSS: ${kb(css)} raw, ${kb(cssGz)} gzip`);
if (jsGz > 200 * 1024) {
  console.error("first-load JS is over the 200 KB gzip budget");
  process.exit(1);
}
