-- Two real sessions (dblink connections, each its own backend and transaction) record usage
-- for the same org at the same moment: a barrier (an advisory lock this session holds) makes
-- both wait until both are ready, then releases them together. Each threshold must still be
-- crossed exactly once, with one outbox row, and a shared idempotency key must count once.
-- The sessions commit, so the org they use is created and deleted here explicitly.
begin;
set local search_path = extensions, public;
select plan(11);
-- Test helpers (tests.open_sessions, ...), rolled back with this transaction.
\ir _helpers.psql

-- Waits (up to 10 s) until p_n sessions are blocked on the barrier lock; returns how many are.
create function tests.waiters(p_key bigint, p_n integer) returns integer
language plpgsql as $$
declare n integer;
begin
  for i in 1..200 loop
    select count(*) into n from pg_locks
    where locktype = 'advisory' and objid = p_key::oid and not granted;
    exit when n >= p_n;
    perform pg_sleep(0.05);
  end loop;
  return n;
end $$;

select tests.open_sessions(array['setup', 'c1', 'c2']);

select dblink_exec('setup', $$delete from public.organizations where id = '77777777-0000-4000-8000-000000000001'$$);
select dblink_exec('setup', $$insert into public.organizations (id, name) values ('77777777-0000-4000-8000-000000000001', 'pgtap concurrency')$$);

-- Race 1: two different batches of 750 anomalies each (developer plan: 1000 included).
select pg_advisory_lock(727272);
select dblink_send_query('c1', $$select public.record_usage('77777777-0000-4000-8000-000000000001', 'race-a', 10, 750)::text
                                 from (select pg_advisory_xact_lock_shared(727272)) barrier$$);
select dblink_send_query('c2', $$select public.record_usage('77777777-0000-4000-8000-000000000001', 'race-b', 10, 750)::text
                                 from (select pg_advisory_xact_lock_shared(727272)) barrier$$);
select is(tests.waiters(727272, 2), 2, 'both sessions are waiting at the barrier before it opens');
select pg_advisory_unlock(727272);

create temp table race1 as
select 'c1' as conn, r::jsonb as result from dblink_get_result('c1') as t(r text)
union all
select 'c2', r::jsonb from dblink_get_result('c2') as t(r text);
-- an async query ends with an empty result; read it so the connections are free again
select count(*) from dblink_get_result('c1') as t(r text);
select count(*) from dblink_get_result('c2') as t(r text);

select is((select count(*) from race1), 2::bigint, 'both sessions got an answer');
select is((select array_agg(c::int order by c::int) from race1, jsonb_array_elements_text(result -> 'crossed') c),
  array[70, 90, 100, 120], 'between them the two batches crossed each threshold exactly once');
select is((select array_agg(threshold order by threshold) from public.usage_alerts
           where org_id = '77777777-0000-4000-8000-000000000001'), array[70, 90, 100, 120],
  'one alert row per threshold');
select is((select count(*) from public.notification_outbox
           where org_id = '77777777-0000-4000-8000-000000000001' and kind = 'usage_alert'), 4::bigint,
  'one outbox email per threshold, not one per session');
select is((select anomalies_detected from public.usage_periods
           where org_id = '77777777-0000-4000-8000-000000000001'), 1500::bigint,
  'both batches are counted');

-- Race 2: the same batch (same idempotency key) delivered twice at once.
select pg_advisory_lock(727272);
select dblink_send_query(c, $$select public.record_usage('77777777-0000-4000-8000-000000000001', 'race-same', 5, 10)::text
                               from (select pg_advisory_xact_lock_shared(727272)) barrier$$)
from unnest(array['c1', 'c2']) c;
select is(tests.waiters(727272, 2), 2, 'both deliveries are waiting at the barrier before it opens');
select pg_advisory_unlock(727272);

create temp table race2 as
select 'c1' as conn, r::jsonb as result from dblink_get_result('c1') as t(r text)
union all
select 'c2', r::jsonb from dblink_get_result('c2') as t(r text);

select is((select anomalies_detected from public.usage_periods
           where org_id = '77777777-0000-4000-8000-000000000001'), 1510::bigint,
  'a batch delivered twice concurrently is counted once');
select is((select count(*) from race2 where (result ->> 'replayed')::boolean), 1::bigint,
  'exactly one of the two deliveries is a replay');
select is((select count(distinct result -> 'used') from race2), 1::bigint,
  'both deliveries report the same usage');
select is((select count(*) from public.usage_batches
           where org_id = '77777777-0000-4000-8000-000000000001' and idempotency_key = 'race-same'), 1::bigint,
  'the idempotency ledger holds the key once');

select dblink_exec('setup', $$delete from public.organizations where id = '77777777-0000-4000-8000-000000000001'$$);
select dblink_disconnect(c) from unnest(array['setup', 'c1', 'c2']) c;

select * from finish();
rollback;
