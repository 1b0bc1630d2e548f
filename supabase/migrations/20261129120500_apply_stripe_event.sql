-- Stripe webhooks, applied idempotently and in any order. The event id is recorded first (a
-- redelivery is a no-op); subscriptions and invoices keep the `created` of the event that last
-- wrote them, and an older event never overwrites a newer state ("stale"). A canceled
-- subscription stays canceled.

create function private.try_uuid(p_text text)
returns uuid
language sql
immutable
set search_path = ''
as $$
  select case when p_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then p_text::uuid end
$$;

create function private.to_ts(p_epoch text)
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select case when p_epoch ~ '^[0-9]+$' then to_timestamp(p_epoch::bigint) end
$$;

-- The org a Stripe object belongs to: by its subscription, its customer, or metadata.org_id.
create function private.stripe_org_for(p_customer text, p_subscription text, p_metadata jsonb)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select s.org_id from public.subscriptions s
     where s.stripe_subscription_id = p_subscription and s.org_id is not null),
    (select o.id from public.organizations o where o.stripe_customer_id = p_customer),
    (select o.id from public.organizations o where o.id = private.try_uuid(p_metadata ->> 'org_id'))
  )
$$;

-- Sets the org's plan from its live subscription (developer when there is none) and remembers
-- its Stripe customer. Audits a plan change.
create function private.sync_org_plan(p_org_id uuid, p_customer text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old text;
  v_new text;
begin
  select o.plan_id into v_old from public.organizations o where o.id = p_org_id for update;
  if not found then
    return;
  end if;
  select coalesce(s.plan_id, v_old) into v_new
  from public.subscriptions s
  where s.org_id = p_org_id and s.status in ('active', 'trialing', 'past_due')
  order by s.current_period_end desc nulls last
  limit 1;
  v_new := coalesce(v_new, 'developer');
  update public.organizations o
  set plan_id = v_new,
      stripe_customer_id = coalesce(o.stripe_customer_id, p_customer)
  where o.id = p_org_id
    and (p_customer is null or o.stripe_customer_id is not null
         or not exists (select 1 from public.organizations o2 where o2.stripe_customer_id = p_customer));
  if v_new is distinct from v_old then
    insert into public.billing_audit_log (org_id, actor, action, details)
    values (p_org_id, 'stripe', 'plan.changed', jsonb_build_object('from', v_old, 'to', v_new));
  end if;
end
$$;

create function private.stripe_checkout_completed(p_session jsonb, out outcome text, out org_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer text := p_session ->> 'customer';
  v_subscription text := p_session ->> 'subscription';
begin
  select o.id into org_id from public.organizations o
  where o.id = coalesce(private.try_uuid(p_session ->> 'client_reference_id'),
                        private.try_uuid(p_session #>> '{metadata,org_id}'));
  if org_id is null then
    outcome := 'ignored';
    return;
  end if;
  if v_subscription is not null then
    insert into public.subscriptions as s (org_id, stripe_customer_id, stripe_subscription_id)
    values (org_id, v_customer, v_subscription)
    on conflict (stripe_subscription_id) do update
      set org_id = coalesce(s.org_id, excluded.org_id),
          stripe_customer_id = coalesce(s.stripe_customer_id, excluded.stripe_customer_id),
          updated_at = now();
  end if;
  perform private.sync_org_plan(org_id, v_customer);
  outcome := 'applied';
end
$$;

create function private.stripe_subscription_changed(p_sub jsonb, p_type text, p_created bigint,
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
      and not (s.status = 'canceled' and excluded.status is distinct from 'canceled')
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

create function private.stripe_invoice_changed(p_invoice jsonb, p_type text, p_created bigint, p_event_id text,
                                               out outcome text, out org_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_invoice ->> 'id';
  v_customer text := p_invoice ->> 'customer';
  v_subscription text := coalesce(p_invoice ->> 'subscription',
                                  p_invoice #>> '{parent,subscription_details,subscription}');
  v_written text;
begin
  if v_id is null then
    outcome := 'ignored';
    return;
  end if;
  org_id := private.stripe_org_for(
    v_customer, v_subscription,
    coalesce(p_invoice #> '{parent,subscription_details,metadata}', p_invoice -> 'metadata'));

  insert into public.invoices as i (id, org_id, stripe_customer_id, stripe_subscription_id, number, status,
                                    amount_due, amount_paid, currency, hosted_invoice_url,
                                    period_start, period_end, created, last_event_created)
  values (
    v_id, org_id, v_customer, v_subscription, p_invoice ->> 'number', p_invoice ->> 'status',
    coalesce((p_invoice ->> 'amount_due')::bigint, 0), coalesce((p_invoice ->> 'amount_paid')::bigint, 0),
    coalesce(p_invoice ->> 'currency', 'usd'), p_invoice ->> 'hosted_invoice_url',
    private.to_ts(p_invoice ->> 'period_start'), private.to_ts(p_invoice ->> 'period_end'),
    private.to_ts(p_invoice ->> 'created'), p_created
  )
  on conflict (id) do update
    set org_id = coalesce(i.org_id, excluded.org_id),
        stripe_subscription_id = coalesce(excluded.stripe_subscription_id, i.stripe_subscription_id),
        number = coalesce(excluded.number, i.number),
        status = excluded.status,
        amount_due = excluded.amount_due,
        amount_paid = excluded.amount_paid,
        currency = excluded.currency,
        hosted_invoice_url = coalesce(excluded.hosted_invoice_url, i.hosted_invoice_url),
        period_start = excluded.period_start,
        period_end = excluded.period_end,
        created = excluded.created,
        last_event_created = excluded.last_event_created,
        updated_at = now()
    where i.last_event_created is null or i.last_event_created <= excluded.last_event_created
  returning i.id into v_written;

  if v_written is null then
    outcome := 'stale';
    return;
  end if;
  if p_type = 'invoice.payment_failed' and org_id is not null then
    insert into public.notification_outbox (org_id, kind, recipient, subject, body, dedupe_key)
    values (
      org_id, 'invoice_payment_failed', private.org_owner_emails(org_id),
      format('DriftLock: payment failed for invoice %s', coalesce(p_invoice ->> 'number', v_id)),
      format('We could not collect %s %s for your DriftLock invoice. Update your payment method: %s',
             round(coalesce((p_invoice ->> 'amount_due')::numeric, 0) / 100, 2),
             upper(coalesce(p_invoice ->> 'currency', 'usd')),
             coalesce(p_invoice ->> 'hosted_invoice_url', 'the billing page of your dashboard')),
      'stripe:' || p_event_id
    )
    on conflict (dedupe_key) do nothing;
  end if;
  outcome := 'applied';
end
$$;

create function public.apply_stripe_event(p_event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id text := p_event ->> 'id';
  v_type text := p_event ->> 'type';
  v_created bigint;
  v_object jsonb := p_event #> '{data,object}';
  v_outcome text;
  v_org uuid;
begin
  if v_id is null or v_type is null or jsonb_typeof(v_object) is distinct from 'object'
     or coalesce(p_event ->> 'created', '') !~ '^[0-9]+$' then
    raise exception 'not a Stripe event: id, type, created and data.object are required'
      using errcode = '22023';
  end if;
  v_created := (p_event ->> 'created')::bigint;

  insert into public.stripe_events (id, type, created) values (v_id, v_type, v_created)
  on conflict (id) do nothing;
  if not found then
    select e.org_id into v_org from public.stripe_events e where e.id = v_id;
    return jsonb_build_object('outcome', 'duplicate', 'org_id', v_org);
  end if;

  if v_type = 'checkout.session.completed' then
    select r.outcome, r.org_id into v_outcome, v_org from private.stripe_checkout_completed(v_object) r;
  elsif v_type in ('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted') then
    select r.outcome, r.org_id into v_outcome, v_org
    from private.stripe_subscription_changed(v_object, v_type, v_created) r;
  elsif v_type in ('invoice.paid', 'invoice.payment_failed', 'invoice.finalized') then
    select r.outcome, r.org_id into v_outcome, v_org
    from private.stripe_invoice_changed(v_object, v_type, v_created, v_id) r;
  else
    v_outcome := 'ignored';
  end if;

  update public.stripe_events e set outcome = v_outcome, org_id = v_org where e.id = v_id;
  if v_outcome <> 'ignored' then
    insert into public.billing_audit_log (org_id, actor, action, details)
    values (v_org, 'stripe', v_type,
            jsonb_build_object('event_id', v_id, 'object_id', v_object ->> 'id', 'outcome', v_outcome,
                               'created', v_created));
  end if;
  return jsonb_build_object('outcome', v_outcome, 'org_id', v_org);
end
$$;
comment on function public.apply_stripe_event(jsonb) is
  'Service role only. Applies a verified Stripe event (raw JSON) idempotently and order-safely: {outcome: applied|duplicate|stale|ignored, org_id}.';

revoke all on function private.try_uuid(text) from public;
revoke all on function private.to_ts(text) from public;
revoke all on function private.stripe_org_for(text, text, jsonb) from public;
revoke all on function private.sync_org_plan(uuid, text) from public;
revoke all on function private.stripe_checkout_completed(jsonb) from public;
revoke all on function private.stripe_subscription_changed(jsonb, text, bigint) from public;
revoke all on function private.stripe_invoice_changed(jsonb, text, bigint, text) from public;
revoke all on function public.apply_stripe_event(jsonb) from public, anon, authenticated;
grant execute on function public.apply_stripe_event(jsonb) to service_role;
