// Formatting for numbers, money, dates and detector figures. Locale fixed to en-US so the
// dashboard reads the same for every customer and in tests.

const LOCALE = "en-US";

export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }).format(n);
}

/** Compact counts for tight spots: 1.2K, 50K, 1.5M. */
export function formatCompact(n: number): string {
  return new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

/** Cents to money: 4900 -> "$49", 4950 -> "$49.50"; currency defaults to USD. */
export function formatMoney(cents: number | null | undefined, currency: string | null = "usd"): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return "—";
  currency = currency || "usd";
  const whole = Number.isInteger(cents / 100);
  return new Intl.NumberFormat(LOCALE, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(cents / 100);
}

/** Per-detection prices are fractions of a cent: 0.1 -> "$0.001". */
export function formatUnitPrice(cents: number | string, currency = "usd"): string {
  return new Intl.NumberFormat(LOCALE, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: 6,
  }).format(Number(cents) / 100);
}

export function formatPercent(p: number | null | undefined, digits = 1): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(p)}%`;
}

/** p-values: small ones in scientific notation, never "0". */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  if (p === 0) return "0";
  if (p < 0.001) return p.toExponential(1).replace("e-", "×10⁻").replace(/⁻(\d+)/, (_, d: string) => "⁻" + toSuperscript(d));
  return p.toFixed(p < 0.01 ? 4 : 3);
}

function toSuperscript(digits: string): string {
  const sup = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  return digits.replace(/\d/g, (d) => sup[Number(d)]);
}

export function formatNumber(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(n);
}

/** Dates from the API are ISO strings (or Unix seconds for Stripe objects). */
export function toDate(v: string | number | null | undefined): Date | null {
  if (v === null || v === undefined || v === "") return null;
  const d = typeof v === "number" ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(v: string | number | null | undefined): string {
  const d = toDate(v);
  if (!d) return "—";
  return new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(d);
}

export function formatDateTime(v: string | number | null | undefined): string {
  const d = toDate(v);
  if (!d) return "—";
  return `${new Intl.DateTimeFormat(LOCALE, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "UTC",
  }).format(d)} UTC`;
}

/** "just now", "5 s ago", "3 min ago", "2 h ago", "4 d ago" relative to `now`. */
export function formatRelative(v: string | number | null | undefined, now: number = Date.now()): string {
  const d = toDate(v);
  if (!d) return "—";
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function titleCase(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, " ") : s;
}
