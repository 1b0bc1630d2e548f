-- Overage metering: only paid plans with a Stripe customer, only the unreported difference,
-- monotonic marking, and no client role may call the cron's functions.
begin;
set local search_path = extensions, public;
select plan(8);

insert into auth.users (id, email) values ('e0000000-0000-4000-8000-000000000001', 'meter@example.test');
insert into public.organizations (id, name, plan_id, stripe_customer_id) values
  ('e1000000-0000-4000-8000-000000000001', 'Metered', 'standard', 'cus_metered'),
  ('e1000000-0000-4000-8000-000000000002', 'Free and over', 'developer', 'cus_free'),
  ('e1000000-0000-4000-8000-000000000003', 'No customer', 'standard', null);
insert into public.usage_periods (org_id, period_start, period_end, events_scored, anomalies_detected) values
  ('e1000000-0000-4000-8000-000000000001', '2026-11-01', '2026-12-01', 900000, 50120),
  ('e1000000-0000-4000-8000-000000000002', '2026-11-01', '2026-12-01', 9000, 5000),
  ('e1000000-0000-4000-8000-000000000003', '2026-11-01', '2026-12-01', 900000, 60000);

set local role service_role;
select results_eq(
  $$ select org_id, overage, reported from public.pending_overage(500) where org_id::text like 'e1%' $$,
  $$ values ('e1000000-0000-4000-8000-000000000001'::uuid, 120::bigint, 0::bigint) $$,
  'only the paid org with a Stripe customer has pending overage: 120 past 50,000');
select lives_ok(
  $$ select public.mark_overage_reported('e1000000-0000-4000-8000-000000000001', '2026-11-01', 120) $$,
  'the cron marks what it reported');
select is_empty(
  $$ select 1 from public.pending_overage(500) where org_id::text like 'e1%' $$,
  'nothing is pending once reported');
select lives_ok(
  $$ select public.mark_overage_reported('e1000000-0000-4000-8000-000000000001', '2026-11-01', 50) $$,
  'a stale mark is accepted');
reset role;
select is(
  (select overage_reported from public.usage_periods where org_id = 'e1000000-0000-4000-8000-000000000001'),
  120::bigint, 'but never moves the reported amount backwards');
update public.usage_periods set anomalies_detected = 50200 where org_id = 'e1000000-0000-4000-8000-000000000001';
set local role service_role;
select results_eq(
  $$ select overage - reported from public.pending_overage(500) where org_id::text like 'e1%' $$,
  $$ values (80::bigint) $$,
  'new overage shows only the unreported difference');
reset role;

set local role authenticated;
select throws_ok($$ select * from public.pending_overage(10) $$, '42501', null, 'users cannot list overage');
select throws_ok(
  $$ select public.mark_overage_reported('e1000000-0000-4000-8000-000000000001', '2026-11-01', 0) $$,
  '42501', null, 'users cannot mark overage');
reset role;

select * from finish();
rollback;
