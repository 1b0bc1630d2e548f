import { describe, expect, it } from "vitest";
import { normalizeSpans, novelShare, segmentExcerpt } from "./spans";

describe("segmentExcerpt", () => {
  it("highlights the novel byte ranges", () => {
    expect(segmentExcerpt("ERROR db timeout", [[0, 5]])).toEqual([
      { text: "ERROR", novel: true },
      { text: " db timeout", novel: false },
    ]);
  });

  it("merges overlapping spans and clips spans beyond a truncated excerpt", () => {
    expect(segmentExcerpt("abcdef", [[4, 99], [1, 2], [2, 3]])).toEqual([
      { text: "a", novel: false },
      { text: "bc", novel: true },
      { text: "d", novel: false },
      { text: "ef", novel: true },
    ]);
  });

  it("maps byte offsets through multi-byte characters without splitting them", () => {
    // "é" is 2 bytes: bytes 0-1 = "é", 2 = "x"; a span [1, 3) starts inside "é".
    expect(segmentExcerpt("éxy", [[1, 3]])).toEqual([
      { text: "éx", novel: true },
      { text: "y", novel: false },
    ]);
    expect(segmentExcerpt("a✓b", [[1, 4]])).toEqual([
      { text: "a", novel: false },
      { text: "✓", novel: true },
      { text: "b", novel: false },
    ]);
  });

  it("copes with no spans and bad input", () => {
    expect(segmentExcerpt("plain", null)).toEqual([{ text: "plain", novel: false }]);
    expect(segmentExcerpt("plain", [[3, 1], [NaN, 2]] as [number, number][])).toEqual([{ text: "plain", novel: false }]);
    expect(segmentExcerpt("", [[0, 4]])).toEqual([]);
  });
});

describe("normalizeSpans / novelShare", () => {
  it("merges touching spans", () => {
    expect(normalizeSpans([[0, 2], [2, 4]], 10)).toEqual([[0, 4]]);
  });
  it("reports the novel share of bytes", () => {
    expect(novelShare("abcd", [[0, 1], [3, 10]])).toBe(0.5);
    expect(novelShare("", [[0, 1]])).toBe(0);
  });
});
