-- Billing period and quota state, shared by the usage RPCs and resolve_api_key.

-- The org's current billing period: its active subscription's current period when there is
-- one covering now(), else the UTC calendar month.
create function private.billing_period(p_org_id uuid, out period_start timestamptz, out period_end timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  select s.current_period_start, s.current_period_end
    into period_start, period_end
  from public.subscriptions s
  where s.org_id = p_org_id
    and s.status in ('active', 'trialing', 'past_due')
    and s.current_period_start <= now()
    and s.current_period_end > now()
  order by s.current_period_end desc
  limit 1;
  if period_start is null then
    period_start := date_trunc('month', now() at time zone 'UTC') at time zone 'UTC';
    period_end := (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC';
  end if;
end
$$;
comment on function private.billing_period(uuid) is
  'Current billing period of an org: the active subscription''s current period, else the UTC calendar month.';

-- Quota state of an org for its current period: plan, included, used, remaining, soft cap, blocked.
-- blocked = free plan (plans.blocks_at_limit) at >= 100%, or a paid plan at >= 120% when the
-- org chose organizations.stop_at_soft_cap.
create function private.quota_summary(p_org_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_plan_id text;
  v_included bigint;
  v_blocks boolean;
  v_stop boolean;
  v_period record;
  v_used bigint;
  v_events bigint;
begin
  select p.id, p.included_detections, p.blocks_at_limit, o.stop_at_soft_cap
    into v_plan_id, v_included, v_blocks, v_stop
  from public.organizations o
  join public.plans p on p.id = o.plan_id
  where o.id = p_org_id;
  if not found then
    raise exception 'organization % not found', p_org_id using errcode = 'P0002';
  end if;
  select * into v_period from private.billing_period(p_org_id);
  select u.anomalies_detected, u.events_scored
    into v_used, v_events
  from public.usage_periods u
  where u.org_id = p_org_id and u.period_start = v_period.period_start;
  v_used := coalesce(v_used, 0);
  v_events := coalesce(v_events, 0);
  return jsonb_build_object(
    'plan', v_plan_id,
    'included', v_included,
    'used', v_used,
    'events_scored', v_events,
    'remaining', greatest(v_included - v_used, 0),
    'period_start', v_period.period_start,
    'period_end', v_period.period_end,
    'soft_cap_passed', v_used * 100 >= v_included * 120,
    'blocked', case
      when v_blocks then v_used >= v_included
      else v_stop and v_used * 100 >= v_included * 120
    end
  );
end
$$;
comment on function private.quota_summary(uuid) is
  'Quota state of an org now: {plan, included, used, events_scored, remaining, period_start, period_end, soft_cap_passed, blocked}.';

-- Comma-separated emails of an org's owners (outbox recipients), null when none.
create function private.org_owner_emails(p_org_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select string_agg(u.email, ', ' order by u.email)
  from public.organization_members m
  join auth.users u on u.id = m.user_id
  where m.org_id = p_org_id and m.role = 'owner' and u.email is not null
$$;

revoke all on function private.billing_period(uuid) from public;
revoke all on function private.quota_summary(uuid) from public;
revoke all on function private.org_owner_emails(uuid) from public;
grant execute on function private.billing_period(uuid) to authenticated, service_role;
grant execute on function private.quota_summary(uuid) to authenticated, service_role;
