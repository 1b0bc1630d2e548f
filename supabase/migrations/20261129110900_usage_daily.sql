-- Daily series (UTC days) for the usage chart.
create table public.usage_daily (
  org_id uuid not null references public.organizations (id) on delete cascade,
  day date not null,
  events bigint not null default 0 check (events >= 0),
  anomalies bigint not null default 0 check (anomalies >= 0),
  primary key (org_id, day)
);
comment on table public.usage_daily is 'Events and anomalies per org per UTC day, for charts.';

revoke all on table public.usage_daily from anon, authenticated;
grant select on table public.usage_daily to authenticated;
grant all on table public.usage_daily to service_role;

alter table public.usage_daily enable row level security;
create policy "members read daily usage" on public.usage_daily
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
