import { describe, expect, it } from "vitest";
import { SseParser, readEventStream, type SseEvent } from "./sse";

describe("SseParser", () => {
  it("parses the Worker's anomaly events", () => {
    const p = new SseParser();
    const evs = p.push('id: 42\nevent: anomaly\ndata: {"id":"a","seq":42}\n\n');
    expect(evs).toEqual([{ id: "42", event: "anomaly", data: '{"id":"a","seq":42}' }]);
    expect(p.lastEventId).toBe("42");
  });

  it("handles events split across chunks, CRLF and CR line endings", () => {
    const p = new SseParser();
    const text = "id: 1\r\nevent: anomaly\r\ndata: one\r\n\r\nid: 2\revent: anomaly\rdata: two\r\r";
    const out: SseEvent[] = [];
    for (const ch of text) out.push(...p.push(ch));
    expect(out.map((e) => [e.id, e.data])).toEqual([["1", "one"], ["2", "two"]]);
  });

  it("joins multi-line data, skips comments, keeps retry, defaults the event type", () => {
    const p = new SseParser();
    const evs = p.push(": heartbeat\nretry: 3000\ndata: a\ndata:b\n\n");
    expect(evs).toEqual([{ id: null, event: "message", data: "a\nb" }]);
    expect(p.retry).toBe(3000);
  });

  it("does not dispatch without data but still remembers the id", () => {
    const p = new SseParser();
    expect(p.push("id: 7\nevent: anomaly\n\n")).toEqual([]);
    expect(p.lastEventId).toBe("7");
    expect(p.push("data: x\n\n")[0]).toEqual({ id: "7", event: "message", data: "x" });
  });

  it("ignores an id containing NUL", () => {
    const p = new SseParser();
    p.push("id: 1\n\nid: a\0b\n\n");
    expect(p.lastEventId).toBe("1");
  });
});

describe("readEventStream", () => {
  it("reads UTF-8 split across byte chunks and flushes the last event", async () => {
    const bytes = new TextEncoder().encode('id: 5\nevent: anomaly\ndata: {"x":"é✓"}\n\nid: 6\ndata: tail');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.subarray(i, i + 3));
        c.close();
      },
    });
    const out: SseEvent[] = [];
    await readEventStream(body, new SseParser(), (e) => out.push(e));
    expect(out).toEqual([
      { id: "5", event: "anomaly", data: '{"x":"é✓"}' },
      { id: "6", event: "message", data: "tail" },
    ]);
  });
});
