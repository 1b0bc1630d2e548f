// A tiny Vite plugin: writes the API (and Supabase) origins into dist/_headers so the
// Content-Security-Policy's connect-src allows exactly the endpoints this build talks to.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Plugin, ResolvedConfig } from "vite";

/** The connect-src list for a build: self, the API origin, and Supabase (https + wss) if set. */
export function connectSrc(apiUrl: string, supabaseUrl: string): string {
  const sources = ["'self'", new URL(apiUrl).origin];
  if (supabaseUrl) {
    const s = new URL(supabaseUrl);
    sources.push(s.origin, `${s.protocol === "http:" ? "ws:" : "wss:"}//${s.host}`);
  }
  return [...new Set(sources)].join(" ");
}

export function pagesHeaders(opts: { apiUrl: string; supabaseUrl: string }): Plugin {
  let config: ResolvedConfig;
  return {
    name: "driftlock-pages-headers",
    apply: "build",
    configResolved(c) {
      config = c;
    },
    closeBundle() {
      const file = resolve(config.root, config.build.outDir, "_headers");
      if (!existsSync(file)) return;
      let text = readFileSync(file, "utf8").replace("__CONNECT_SRC__", connectSrc(opts.apiUrl, opts.supabaseUrl));
      // A plain-http API (local development) must not be upgraded to https.
      if (new URL(opts.apiUrl).protocol === "http:") text = text.replace("; upgrade-insecure-requests", "");
      writeFileSync(file, text);
    },
  };
}
