-- Stripe events: recorded once, applied in any order, converging to the newest state.
begin;
set local search_path = extensions, public;
select plan(27);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

update public.plans set stripe_price_id = 'price_test_standard' where id = 'standard';
update public.plans set stripe_price_id = 'price_test_growth' where id = 'growth';

-- A Stripe event as the webhook delivers it (only the fields we read, in Stripe's shapes).
create function tests.sub_event(p_id text, p_type text, p_created bigint, p_sub text, p_customer text,
                                p_status text, p_price text, p_metadata jsonb default '{}')
returns jsonb language sql as $$
  select jsonb_build_object(
    'id', p_id, 'object', 'event', 'type', p_type, 'created', p_created, 'livemode', false,
    'data', jsonb_build_object('object', jsonb_build_object(
      'id', p_sub, 'object', 'subscription', 'customer', p_customer, 'status', p_status,
      'cancel_at_period_end', false, 'metadata', p_metadata,
      'items', jsonb_build_object('object', 'list', 'data', jsonb_build_array(jsonb_build_object(
        'id', 'si_' || p_sub, 'object', 'subscription_item',
        'price', jsonb_build_object('id', p_price, 'object', 'price'),
        'current_period_start', extract(epoch from now() - interval '3 days')::bigint,
        'current_period_end', extract(epoch from now() + interval '27 days')::bigint)))))) $$;
create function tests.invoice_event(p_id text, p_type text, p_created bigint, p_invoice text, p_customer text,
                                    p_status text, p_paid bigint)
returns jsonb language sql as $$
  select jsonb_build_object(
    'id', p_id, 'object', 'event', 'type', p_type, 'created', p_created,
    'data', jsonb_build_object('object', jsonb_build_object(
      'id', p_invoice, 'object', 'invoice', 'customer', p_customer, 'status', p_status, 'number', 'DL-0001',
      'amount_due', 4900, 'amount_paid', p_paid, 'currency', 'usd',
      'hosted_invoice_url', 'https://invoice.stripe.com/i/test', 'created', p_created,
      'period_start', p_created - 2592000, 'period_end', p_created,
      'parent', jsonb_build_object('type', 'subscription_details',
        'subscription_details', jsonb_build_object('subscription', 'sub_acme', 'metadata', '{}'::jsonb))))) $$;
grant execute on all functions in schema tests to service_role;

select tests.act_as('service_role');

-- checkout links the customer and subscription to the org named by client_reference_id
select is(public.apply_stripe_event(jsonb_build_object(
  'id', 'evt_checkout', 'type', 'checkout.session.completed', 'created', 1000,
  'data', jsonb_build_object('object', jsonb_build_object(
    'id', 'cs_test_1', 'object', 'checkout.session', 'mode', 'subscription',
    'client_reference_id', '11111111-1111-4111-8111-111111111111',
    'customer', 'cus_acme', 'subscription', 'sub_acme', 'metadata', '{}'::jsonb)))),
  '{"outcome": "applied", "org_id": "11111111-1111-4111-8111-111111111111"}'::jsonb,
  'checkout.session.completed is applied to the org in client_reference_id');
select is((select stripe_customer_id from public.organizations where id = '11111111-1111-4111-8111-111111111111'),
  'cus_acme', 'the org now knows its Stripe customer');
select is(public.apply_stripe_event(jsonb_build_object(
  'id', 'evt_checkout', 'type', 'checkout.session.completed', 'created', 1000,
  'data', jsonb_build_object('object', '{}'::jsonb))) ->> 'outcome', 'duplicate',
  'a redelivered event is a duplicate');

-- out of order: the newest state (growth, created 3000) arrives before an older one (standard, 2000)
select is(public.apply_stripe_event(tests.sub_event('evt_sub_3000', 'customer.subscription.updated', 3000,
  'sub_acme', 'cus_acme', 'active', 'price_test_growth')) ->> 'outcome', 'applied', 'the newer update is applied');
select is((select plan_id from public.organizations where id = '11111111-1111-4111-8111-111111111111'), 'growth',
  'the org is on the plan of its active subscription''s price');
select is(public.apply_stripe_event(tests.sub_event('evt_sub_2000', 'customer.subscription.created', 2000,
  'sub_acme', 'cus_acme', 'incomplete', 'price_test_standard')) ->> 'outcome', 'stale', 'an older event arriving late is stale');
select is((select plan_id || '/' || status from public.subscriptions where stripe_subscription_id = 'sub_acme'), 'growth/active',
  'a stale event does not overwrite the newer subscription state');
select is((select plan_id from public.organizations where id = '11111111-1111-4111-8111-111111111111'), 'growth',
  'a stale event does not change the org''s plan');
select is((public.quota_state('11111111-1111-4111-8111-111111111111') ->> 'period_start')::timestamptz,
  (select current_period_start from public.subscriptions where stripe_subscription_id = 'sub_acme'),
  'with an active subscription the billing period is the subscription''s period');
select is((public.quota_state('11111111-1111-4111-8111-111111111111') ->> 'included')::bigint, 500000::bigint,
  'quota follows the new plan');

-- cancellation, then a late update from before it
select is(public.apply_stripe_event(tests.sub_event('evt_sub_5000', 'customer.subscription.deleted', 5000,
  'sub_acme', 'cus_acme', 'canceled', 'price_test_growth')) ->> 'outcome', 'applied', 'a cancellation is applied');
select is((select plan_id from public.organizations where id = '11111111-1111-4111-8111-111111111111'), 'developer',
  'a canceled subscription puts the org back on the developer plan');
select is(public.apply_stripe_event(tests.sub_event('evt_sub_4000', 'customer.subscription.updated', 4000,
  'sub_acme', 'cus_acme', 'active', 'price_test_standard')) ->> 'outcome', 'stale', 'an update older than the cancellation is stale');
select is(public.apply_stripe_event(tests.sub_event('evt_sub_5000b', 'customer.subscription.updated', 5000,
  'sub_acme', 'cus_acme', 'active', 'price_test_standard')) ->> 'outcome', 'stale',
  'a canceled subscription is never revived, even by an event of the same second');
select is((select status from public.subscriptions where stripe_subscription_id = 'sub_acme'), 'canceled',
  'the subscription converged to its newest state: canceled');

-- a subscription event before checkout: kept unlinked, linked when checkout completes
select is(public.apply_stripe_event(tests.sub_event('evt_gx_sub', 'customer.subscription.created', 7000,
  'sub_globex', 'cus_globex', 'active', 'price_test_standard')), '{"outcome": "applied", "org_id": null}'::jsonb,
  'a subscription event for an unknown customer is stored, not lost');
select is(public.apply_stripe_event(jsonb_build_object(
  'id', 'evt_gx_checkout', 'type', 'checkout.session.completed', 'created', 6900,
  'data', jsonb_build_object('object', jsonb_build_object(
    'id', 'cs_test_2', 'object', 'checkout.session', 'client_reference_id', null,
    'customer', 'cus_globex', 'subscription', 'sub_globex',
    'metadata', jsonb_build_object('org_id', '22222222-2222-4222-8222-222222222222'))))) ->> 'outcome', 'applied',
  'checkout linked through metadata.org_id is applied');
select is((select plan_id from public.organizations where id = '22222222-2222-4222-8222-222222222222'), 'standard',
  'the earlier subscription event takes effect once checkout links it');

-- invoices: a late "finalized" does not undo "paid"; a failed payment queues an email
select is(public.apply_stripe_event(tests.invoice_event('evt_inv_paid', 'invoice.paid', 9000, 'in_1', 'cus_acme', 'paid', 4900))
  ->> 'org_id', '11111111-1111-4111-8111-111111111111', 'an invoice is matched to the org by customer');
select is(public.apply_stripe_event(tests.invoice_event('evt_inv_final', 'invoice.finalized', 8000, 'in_1', 'cus_acme', 'open', 0))
  ->> 'outcome', 'stale', 'a late invoice.finalized is stale');
select is((select status || '/' || amount_paid from public.invoices where id = 'in_1'), 'paid/4900',
  'the invoice stays paid');
select is(public.apply_stripe_event(tests.invoice_event('evt_inv_fail', 'invoice.payment_failed', 9100, 'in_2', 'cus_acme', 'open', 0))
  ->> 'outcome', 'applied', 'a failed payment is applied');
select is((select recipient from public.notification_outbox where dedupe_key = 'stripe:evt_inv_fail'), 'demo@driftlock.dev',
  'a failed payment queues an email to the owners');

select is(public.apply_stripe_event('{"id": "evt_other", "type": "customer.created", "created": 1, "data": {"object": {"id": "cus_x"}}}')
  ->> 'outcome', 'ignored', 'an event type we do not handle is ignored (and recorded)');
select throws_ok($$select public.apply_stripe_event('{"id": "evt_bad"}')$$, '22023', null, 'a malformed event is rejected');
select is((select count(*) from public.billing_audit_log where actor = 'stripe' and details ->> 'event_id' is not null), 11::bigint,
  'every applied or stale event is in the audit log');

select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select throws_ok($$select public.apply_stripe_event('{"id": "evt_forged", "type": "customer.subscription.updated", "created": 99999, "data": {"object": {}}}')$$,
  '42501', null, 'a signed-in user cannot apply Stripe events');

select tests.as_superuser();
select * from finish();
rollback;
