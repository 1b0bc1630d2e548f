-- Fix: a subscription row created by checkout.session.completed has no status yet, and the
-- "canceled stays canceled" guard compared that null with = and made the whole upsert
-- condition null, so every later subscription event for it was reported stale.
create or replace function private.stripe_subscription_changed(p_sub jsonb, p_type text, p_created bigint,
                                                    out outcome text, out org_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_sub_id text := p_sub ->> 'id';
  v_customer text := p_sub ->> 'customer';
  v_price text := p_sub #>> '{items,data,0,price,id}';
  v_status text := case when p_type = 'customer.subscription.deleted' then 'canceled'
                        else p_sub ->> 'status' end;
  v_plan text;
  v_written uuid;
begin
  if v_sub_id is null then
    outcome := 'ignored';
    return;
  end if;
  select p.id into v_plan from public.plans p where p.stripe_price_id = v_price;
  if v_plan is null then
    select p.id into v_plan from public.plans p where p.id = p_sub #>> '{metadata,plan_id}';
  end if;
  org_id := private.stripe_org_for(v_customer, v_sub_id, p_sub -> 'metadata');

  insert into public.subscriptions as s (org_id, stripe_customer_id, stripe_subscription_id, stripe_price_id,
                                         plan_id, status, current_period_start, current_period_end,
                                         cancel_at_period_end, last_event_created)
  values (
    org_id, v_customer, v_sub_id, v_price, v_plan, v_status,
    private.to_ts(coalesce(p_sub ->> 'current_period_start', p_sub #>> '{items,data,0,current_period_start}')),
    private.to_ts(coalesce(p_sub ->> 'current_period_end', p_sub #>> '{items,data,0,current_period_end}')),
    coalesce((p_sub ->> 'cancel_at_period_end')::boolean, false),
    p_created
  )
  on conflict (stripe_subscription_id) do update
    set org_id = coalesce(s.org_id, excluded.org_id),
        stripe_customer_id = coalesce(excluded.stripe_customer_id, s.stripe_customer_id),
        stripe_price_id = coalesce(excluded.stripe_price_id, s.stripe_price_id),
        plan_id = coalesce(excluded.plan_id, s.plan_id),
        status = excluded.status,
        current_period_start = coalesce(excluded.current_period_start, s.current_period_start),
        current_period_end = coalesce(excluded.current_period_end, s.current_period_end),
        cancel_at_period_end = excluded.cancel_at_period_end,
        last_event_created = excluded.last_event_created,
        updated_at = now()
    where (s.last_event_created is null or s.last_event_created <= excluded.last_event_created)
      and (s.status is distinct from 'canceled' or excluded.status = 'canceled')
  returning s.id into v_written;

  select s.org_id into org_id from public.subscriptions s where s.stripe_subscription_id = v_sub_id;
  if v_written is null then
    outcome := 'stale';
    return;
  end if;
  if org_id is not null then
    perform private.sync_org_plan(org_id, v_customer);
  end if;
  outcome := 'applied';
end
$$;
