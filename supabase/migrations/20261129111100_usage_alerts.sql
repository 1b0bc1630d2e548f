-- Usage alerts sent: the unique key makes each threshold fire once per org per period,
-- whatever the concurrency (insert ... on conflict do nothing decides the single winner).
create table public.usage_alerts (
  org_id uuid not null references public.organizations (id) on delete cascade,
  period_start timestamptz not null,
  threshold integer not null check (threshold in (70, 90, 100, 120)),
  used bigint not null,
  included bigint not null,
  sent_at timestamptz not null default now(),
  primary key (org_id, period_start, threshold)
);
comment on table public.usage_alerts is
  'Quota thresholds crossed (70/90/100% of included detections, 120% soft cap), once each per billing period.';

revoke all on table public.usage_alerts from anon, authenticated;
grant select on table public.usage_alerts to authenticated;
grant all on table public.usage_alerts to service_role;

alter table public.usage_alerts enable row level security;
create policy "members read usage alerts" on public.usage_alerts
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
