// Splits an event excerpt into plain and novel segments. The detector reports novel spans as
// [start, end) byte offsets into the UTF-8 event; JavaScript strings index UTF-16 code units,
// so offsets are mapped through the encoded bytes.

export interface Segment {
  text: string;
  novel: boolean;
}

/** Sorts, clips to [0, len) and merges overlapping or touching spans. */
export function normalizeSpans(spans: readonly (readonly [number, number])[] | null | undefined, len: number): [number, number][] {
  const clipped = (spans ?? [])
    .filter((s) => Array.isArray(s) && s.length >= 2 && Number.isFinite(s[0]) && Number.isFinite(s[1]))
    .map(([a, b]) => [Math.max(0, Math.min(a, len)), Math.max(0, Math.min(b, len))] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const s of clipped) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

export function segmentExcerpt(text: string, spans: readonly (readonly [number, number])[] | null | undefined): Segment[] {
  const bytes = new TextEncoder().encode(text);
  const merged = normalizeSpans(spans, bytes.length);
  const decoder = new TextDecoder();
  // Never cut inside a UTF-8 sequence: move a boundary back to the start of its character.
  const startOf = (i: number) => {
    while (i > 0 && i < bytes.length && (bytes[i] & 0xc0) === 0x80) i--;
    return i;
  };
  const endOf = (i: number) => {
    while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
    return i;
  };
  const segs: Segment[] = [];
  let pos = 0;
  for (const [a0, b0] of merged) {
    const a = startOf(a0);
    const b = endOf(b0);
    if (a > pos) segs.push({ text: decoder.decode(bytes.subarray(pos, a)), novel: false });
    if (b > Math.max(a, pos)) segs.push({ text: decoder.decode(bytes.subarray(Math.max(a, pos), b)), novel: true });
    pos = Math.max(pos, b);
  }
  if (pos < bytes.length) segs.push({ text: decoder.decode(bytes.subarray(pos)), novel: false });
  return segs.filter((s) => s.text.length > 0);
}

/** Share of the event's bytes that are novel, 0..1. */
export function novelShare(text: string, spans: readonly (readonly [number, number])[] | null | undefined): number {
  const len = new TextEncoder().encode(text).length;
  if (!len) return 0;
  return normalizeSpans(spans, len).reduce((sum, [a, b]) => sum + (b - a), 0) / len;
}
