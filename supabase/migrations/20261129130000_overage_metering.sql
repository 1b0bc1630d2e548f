-- Overage metering: detections past a paid plan's included amount are reported to Stripe as
-- meter events by the Worker's cron. usage_periods.overage_reported is how many have been
-- reported, so each run sends only the difference, under an identifier derived from the new
-- total: a retry after a lost answer repeats the identifier and Stripe counts it once.
alter table public.usage_periods
  add column overage_reported bigint not null default 0 check (overage_reported >= 0);
comment on column public.usage_periods.overage_reported is
  'Detections past the included amount already reported to Stripe as meter events.';

-- Periods with unreported overage on paid plans (those with an overage price) of orgs that
-- have a Stripe customer. For the Worker's cron only.
create function public.pending_overage(p_limit integer default 50)
returns table (org_id uuid, period_start timestamptz, stripe_customer_id text, overage bigint, reported bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select u.org_id, u.period_start, o.stripe_customer_id,
         u.anomalies_detected - p.included_detections, u.overage_reported
  from public.usage_periods u
  join public.organizations o on o.id = u.org_id
  join public.plans p on p.id = o.plan_id
  where p.overage_cents_per_detection is not null
    and o.stripe_customer_id is not null
    and u.anomalies_detected - p.included_detections > u.overage_reported
  order by u.updated_at
  limit greatest(1, least(coalesce(p_limit, 50), 500));
$$;
comment on function public.pending_overage(integer) is
  'Paid-plan periods whose overage exceeds what was reported to Stripe (service role, cron).';
revoke all on function public.pending_overage(integer) from public, anon, authenticated;
grant execute on function public.pending_overage(integer) to service_role;

-- Records that overage up to p_total was reported; never moves backwards.
create function public.mark_overage_reported(p_org_id uuid, p_period_start timestamptz, p_total bigint)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.usage_periods
  set overage_reported = greatest(overage_reported, p_total)
  where org_id = p_org_id and period_start = p_period_start;
$$;
comment on function public.mark_overage_reported(uuid, timestamptz, bigint) is
  'Marks overage up to p_total as reported to Stripe (monotonic; service role, cron).';
revoke all on function public.mark_overage_reported(uuid, timestamptz, bigint) from public, anon, authenticated;
grant execute on function public.mark_overage_reported(uuid, timestamptz, bigint) to service_role;
