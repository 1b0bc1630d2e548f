// The live anomaly feed: GET /anomalies/stream over fetch, resuming with Last-Event-ID, and
// polling GET /anomalies every 2 s while the stream is unavailable.
import { apiUrl, authHeaders, reportUnauthorized, toApiError, ApiError } from "./client";
import { listAnomalies } from "./endpoints";
import { SseParser, readEventStream } from "./sse";
import type { Anomaly } from "./types";

export type LiveMode = "connecting" | "live" | "polling" | "stopped";

export interface LiveOptions {
  onAnomaly: (a: Anomaly) => void;
  onMode: (mode: LiveMode) => void;
  /** Resume after this sequence number (the newest anomaly already shown). */
  lastEventId?: string | null;
  pollMs?: number;
  /** Consecutive stream failures before falling back to polling. */
  failuresBeforePolling?: number;
  /** While polling, how often to try the stream again. */
  streamRetryMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

/** Starts the feed; returns a function that stops it. */
export function startLiveFeed(opts: LiveOptions): () => void {
  const ctl = new AbortController();
  const { signal } = ctl;
  const pollMs = opts.pollMs ?? 2000;
  const maxFailures = opts.failuresBeforePolling ?? 2;
  const streamRetryMs = opts.streamRetryMs ?? 15000;
  let lastEventId = opts.lastEventId ?? null;

  const emit = (a: Anomaly) => {
    if (typeof a?.seq === "number" && (lastEventId === null || a.seq > Number(lastEventId))) lastEventId = String(a.seq);
    opts.onAnomaly(a);
  };

  /** One connection; resolves with the server's `retry:` hint when it ends the stream. */
  async function streamOnce(): Promise<number | null> {
    const headers: Record<string, string> = { Accept: "text/event-stream", ...(await authHeaders()) };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const res = await fetch(apiUrl("/anomalies/stream"), { headers, signal, cache: "no-store" });
    if (!res.ok) {
      const err = await toApiError(res);
      reportUnauthorized(err);
      throw err;
    }
    if (!res.body || !(res.headers.get("Content-Type") ?? "").includes("text/event-stream")) {
      throw new ApiError(res.status, "not_event_stream", "The live feed did not answer with an event stream.");
    }
    opts.onMode("live");
    const parser = new SseParser();
    parser.lastEventId = lastEventId;
    await readEventStream(res.body, parser, (ev) => {
      if (ev.event !== "anomaly" && ev.event !== "message") return;
      try {
        emit(JSON.parse(ev.data) as Anomaly);
      } catch {
        /* ignore a malformed event; the next poll or reconnect will catch up */
      }
      if (ev.id) lastEventId = ev.id;
    });
    return parser.retry;
  }

  async function pollOnce(): Promise<void> {
    const page = await listAnomalies({}, { limit: 50, signal });
    for (const a of [...page.data].reverse()) emit(a);
  }

  (async () => {
    let failures = 0;
    opts.onMode("connecting");
    while (!signal.aborted) {
      if (failures < maxFailures) {
        try {
          const opened = Date.now();
          const retry = await streamOnce();
          failures = 0;
          // The server ends each connection after a while: reconnect at once after a long one,
          // after its retry hint (default 1 s) if it ended quickly, so a bad proxy cannot spin us.
          if (Date.now() - opened < 5000) await sleep(retry ?? 1000, signal);
        } catch (e) {
          if (signal.aborted) break;
          if (e instanceof ApiError && e.status === 401) break;
          failures++;
          opts.onMode(failures >= maxFailures ? "polling" : "connecting");
          await sleep(500 * failures, signal);
        }
        continue;
      }
      // Polling mode: every pollMs, and try the stream again every streamRetryMs.
      const until = Date.now() + streamRetryMs;
      while (!signal.aborted && Date.now() < until) {
        try {
          await pollOnce();
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) { ctl.abort(); break; }
        }
        await sleep(pollMs, signal);
      }
      failures = maxFailures - 1; // one more stream attempt before polling again
    }
    opts.onMode("stopped");
  })();

  return () => ctl.abort();
}
