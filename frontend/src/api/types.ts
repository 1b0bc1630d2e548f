// The Worker's JSON shapes, as documented in the repository README ("Shapes").
// Checked against GET /openapi.json by tests/browser/openapi-contract.test.mjs.

export type Severity = "low" | "medium" | "high";
export type AnomalyStatus = "open" | "acknowledged" | "resolved" | "dismissed";
export type EventType = "log" | "metric" | "trace" | "llm" | "json";
export type Compressor = "zstd" | "deflate";

export interface Metrics {
  conditional_bits_per_byte?: number | null;
  compression_ratio?: number | null;
  entropy?: number | null;
  ncd?: number | null;
  [name: string]: number | null | undefined;
}

export interface Anomaly {
  id: string;
  stream_id: string;
  stream: string;
  event_type: EventType | string;
  event_excerpt: string;
  metadata: Record<string, unknown> | null;
  metrics: Metrics | null;
  p_value: number | null;
  score: number | null;
  severity: Severity;
  novel: [number, number][] | null;
  explanation: string | null;
  status: AnomalyStatus;
  status_changed_by: string | null;
  status_changed_at: string | null;
  detected_at: string;
  seq: number;
}

export interface StatusChange {
  from_status: AnomalyStatus | null;
  to_status: AnomalyStatus;
  changed_by: string | null;
  note: string | null;
  changed_at: string;
}

export interface AnomalyDetail extends Anomaly {
  history: StatusChange[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface AnomalyFilters {
  stream?: string;
  severity?: Severity | "";
  status?: AnomalyStatus | "";
  since?: string;
}

export interface Stream {
  id: string;
  name: string;
  event_type: EventType;
  compressor: Compressor;
  sensitivity: number;
  baseline_size: number;
  window_size: number;
  created_at: string;
  updated_at: string;
}

export interface UsageAlert {
  threshold: number;
  sent_at: string;
}

export interface Usage {
  period_start: string;
  period_end: string;
  plan: string;
  included: number;
  events_scored: number;
  anomalies_detected: number;
  remaining: number;
  percent_used: number;
  thresholds: number[];
  alerts_sent: UsageAlert[];
  soft_cap_passed: boolean;
  blocked: boolean;
  daily: { day: string; events: number; anomalies: number }[];
}

export interface Plan {
  id: string;
  name: string;
  price_cents: number;
  included_detections: number;
  overage_cents_per_detection: number | null;
  /** Requests are refused at 100% of the included amount (the free plan). */
  blocks_at_limit?: boolean;
}

export interface Invoice {
  id: string;
  number: string | null;
  status: string;
  amount_due: number | null;
  amount_paid: number | null;
  currency: string | null;
  hosted_invoice_url: string | null;
  created: string | number;
}

export interface Subscription {
  plan: Plan;
  status: string;
  current_period_start: string | null;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  invoices: Invoice[];
  plans: Plan[];
  stop_at_soft_cap?: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface NewApiKey extends ApiKey {
  secret: string;
}

export interface Org {
  id: string;
  name: string;
  role: string;
  plan: string;
}

export interface Me {
  user_id: string;
  email: string;
  orgs: Org[];
  /** The organization this request acted in, and the user's role there. */
  org_id?: string;
  role?: string;
}

/** Stripe Checkout / billing portal answer. */
export interface RedirectUrl {
  url: string;
}
