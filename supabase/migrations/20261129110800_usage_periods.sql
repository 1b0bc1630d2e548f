-- Usage per org per billing period: the quota counter. Billing period = the active
-- subscription's current period, else the UTC calendar month (see private.billing_period).
create table public.usage_periods (
  org_id uuid not null references public.organizations (id) on delete cascade,
  period_start timestamptz not null,
  period_end timestamptz not null,
  events_scored bigint not null default 0 check (events_scored >= 0),
  anomalies_detected bigint not null default 0 check (anomalies_detected >= 0),
  updated_at timestamptz not null default now(),
  primary key (org_id, period_start),
  check (period_end > period_start)
);
comment on table public.usage_periods is
  'Events scored and anomalies detected (the billed quantity) per org and billing period. Written only by rpc/ingest_batch and rpc/record_usage.';

revoke all on table public.usage_periods from anon, authenticated;
grant select on table public.usage_periods to authenticated;
grant all on table public.usage_periods to service_role;

alter table public.usage_periods enable row level security;
create policy "members read usage" on public.usage_periods
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
