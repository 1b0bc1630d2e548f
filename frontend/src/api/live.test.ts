import { afterEach, describe, expect, it, vi } from "vitest";
import { configureClient } from "./client";
import { startLiveFeed, type LiveMode } from "./live";
import type { Anomaly } from "./types";

afterEach(() => vi.unstubAllGlobals());

const anomaly = (seq: number) => ({ id: `a${seq}`, seq, stream: "s", severity: "high", status: "open", detected_at: "2026-11-29T10:00:00Z" }) as unknown as Anomaly;
const sse = (text: string) =>
  new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(text)); c.close(); } }), {
    status: 200, headers: { "Content-Type": "text/event-stream" },
  });
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("startLiveFeed", () => {
  it("reads anomalies from the stream and resumes with Last-Event-ID after the server closes it", async () => {
    const calls: Record<string, string>[] = [];
    const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
      expect(url).toContain("/anomalies/stream");
      calls.push(init.headers as Record<string, string>);
      if (calls.length === 1) return sse(`retry: 1000\n\nid: 8\nevent: anomaly\ndata: ${JSON.stringify(anomaly(8))}\n\n: keep-alive\n\n`);
      return new Promise<Response>(() => {}); // second connection stays open
    });
    vi.stubGlobal("fetch", fetchMock);
    configureClient({ getToken: () => "tok", getOrgId: () => "org" });
    const got: Anomaly[] = [];
    const modes: LiveMode[] = [];
    const stop = startLiveFeed({ lastEventId: "7", onAnomaly: (a) => got.push(a), onMode: (m) => modes.push(m) });
    await until(() => calls.length === 2);
    stop();
    expect(got.map((a) => a.seq)).toEqual([8]);
    expect(calls[0]["Last-Event-ID"]).toBe("7");
    expect(calls[0].Authorization).toBe("Bearer tok");
    expect(calls[0]["X-Org-Id"]).toBe("org");
    expect(calls[1]["Last-Event-ID"]).toBe("8");
    expect(modes).toContain("live");
  });

  it("falls back to polling GET /anomalies when the stream keeps failing", async () => {
    const fetchMock = vi.fn(async (url: string) => {
      if (url.includes("/anomalies/stream")) throw new TypeError("Failed to fetch");
      return new Response(JSON.stringify({ data: [anomaly(12), anomaly(11)], next_cursor: null }), { status: 200 });
    });
    vi.stubGlobal("fetch", fetchMock);
    configureClient({ getToken: () => "tok", getOrgId: () => null });
    const got: number[] = [];
    const modes: LiveMode[] = [];
    const stop = startLiveFeed({ onAnomaly: (a) => got.push(a.seq), onMode: (m) => modes.push(m), pollMs: 20, failuresBeforePolling: 2, streamRetryMs: 10_000 });
    await until(() => got.length >= 2);
    stop();
    expect(modes).toContain("polling");
    expect(got.slice(0, 2)).toEqual([11, 12]); // oldest first, so the newest ends on top
    const polled = fetchMock.mock.calls.map((c) => c[0] as string).filter((u) => !u.includes("/stream"));
    expect(polled[0]).toContain("/anomalies?limit=50");
  });

  it("stops on 401 instead of retrying forever", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: { code: "unauthorized", message: "expired" } }), { status: 401 }));
    vi.stubGlobal("fetch", fetchMock);
    const onUnauthorized = vi.fn();
    configureClient({ getToken: () => "old", getOrgId: () => null, onUnauthorized });
    const modes: LiveMode[] = [];
    startLiveFeed({ onAnomaly: () => {}, onMode: (m) => modes.push(m) });
    await until(() => modes.includes("stopped"));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });
});
