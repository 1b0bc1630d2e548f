// Server-sent events over fetch (EventSource cannot send Authorization).
// SseParser follows the WHATWG event-stream parsing rules; readEventStream drives it over a
// fetch Response body.

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private eventType = "";
  private sawData = false;
  private skipLF = false;
  /** The last event ID seen in the stream (what Last-Event-ID should carry on reconnect). */
  lastEventId: string | null = null;
  /** Reconnection delay the server asked for with `retry:`, in milliseconds. */
  retry: number | null = null;

  /** Feeds a chunk of text; returns the events completed by it. */
  push(chunk: string): SseEvent[] {
    // A chunk that ended in \r already ended its line: a \n right after it is the same break.
    if (chunk && this.skipLF) {
      this.skipLF = false;
      if (chunk.startsWith("\n")) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (m[0] === "\r" && this.buffer === "") this.skipLF = true;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      const had = this.sawData;
      const ev: SseEvent = { id: this.lastEventId, event: this.eventType || "message", data: this.data.join("\n") };
      this.data = [];
      this.eventType = "";
      this.sawData = false;
      return had ? ev : null;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        this.sawData = true;
        break;
      case "event":
        this.eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
    return null;
  }
}

/** Reads an event-stream body until it ends, calling onEvent for each event. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  parser: SseParser,
  onEvent: (ev: SseEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.push(decoder.decode(value, { stream: true }))) onEvent(ev);
    }
    for (const ev of parser.push(decoder.decode() + "\n\n")) onEvent(ev);
  } finally {
    reader.releaseLock();
  }
}
