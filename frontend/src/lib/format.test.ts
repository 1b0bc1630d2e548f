import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatInt, formatMoney, formatPercent, formatPValue, formatRelative, formatUnitPrice, toDate } from "./format";

describe("format", () => {
  it("formats counts and money", () => {
    expect(formatInt(50000)).toBe("50,000");
    expect(formatInt(null)).toBe("—");
    expect(formatMoney(4900)).toBe("$49");
    expect(formatMoney(4950)).toBe("$49.50");
    expect(formatMoney(0)).toBe("$0");
    expect(formatMoney(1234, "eur")).toBe("€12.34");
    expect(formatMoney(null)).toBe("—");
    expect(formatMoney(500, null)).toBe("$5");
    expect(formatUnitPrice(0.1)).toBe("$0.001");
    expect(formatUnitPrice(0.05)).toBe("$0.0005");
  });
  it("formats percentages and p-values", () => {
    expect(formatPercent(70)).toBe("70%");
    expect(formatPercent(83.456)).toBe("83.5%");
    expect(formatPValue(0.004)).toBe("0.0040");
    expect(formatPValue(0.2)).toBe("0.200");
    expect(formatPValue(0.00012)).toBe("1.2×10⁻⁴");
    expect(formatPValue(null)).toBe("—");
  });
  it("formats dates in UTC from ISO strings and Unix seconds", () => {
    expect(formatDate("2026-11-29T10:00:00Z")).toBe("Nov 29, 2026");
    expect(formatDate(Date.parse("2026-12-01T10:40:00Z") / 1000)).toBe("Dec 1, 2026");
    expect(formatDateTime("2026-11-29T10:00:05Z")).toBe("Nov 29, 10:00:05 UTC");
    expect(toDate("nonsense")).toBeNull();
    expect(formatDate(null)).toBe("—");
  });
  it("formats relative times", () => {
    const now = Date.parse("2026-11-29T12:00:00Z");
    expect(formatRelative("2026-11-29T11:59:58Z", now)).toBe("just now");
    expect(formatRelative("2026-11-29T11:59:30Z", now)).toBe("30 s ago");
    expect(formatRelative("2026-11-29T11:00:00Z", now)).toBe("1 h ago");
    expect(formatRelative("2026-11-27T12:00:00Z", now)).toBe("2 d ago");
  });
});
