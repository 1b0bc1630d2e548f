-- record_usage: an idempotency key names one request. The same figures replay; other figures
-- under a used key are refused with DL422 and count nothing.
begin;
set local search_path = extensions, public;
select plan(6);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

insert into public.organizations (id, name) values ('99999999-0000-4000-8000-0000000000f1', 'Reused Keys');

select tests.act_as('service_role');
select is(public.record_usage('99999999-0000-4000-8000-0000000000f1', 'usage:k1', 100, 3) -> 'replayed', 'false'::jsonb,
  'a first use of a key counts');
select is(public.record_usage('99999999-0000-4000-8000-0000000000f1', 'usage:k1', 100, 3) -> 'replayed', 'true'::jsonb,
  'the same figures under the key replay');
select throws_ok($$select public.record_usage('99999999-0000-4000-8000-0000000000f1', 'usage:k1', 100, 4)$$,
  'DL422', 'idempotency key usage:k1 was already used with other figures', 'other anomalies under a used key are refused');
select throws_ok($$select public.record_usage('99999999-0000-4000-8000-0000000000f1', 'usage:k1', 101, 3)$$,
  'DL422', null, 'other events under a used key are refused');
select is(public.quota_state('99999999-0000-4000-8000-0000000000f1') -> 'anomalies_detected', '3'::jsonb,
  'only the first use was counted');
select is((select request from public.usage_batches
           where org_id = '99999999-0000-4000-8000-0000000000f1' and idempotency_key = 'usage:k1'),
  '{"events": 100, "anomalies": 3}'::jsonb, 'the key keeps the figures it was first used with');

select * from finish();
rollback;
