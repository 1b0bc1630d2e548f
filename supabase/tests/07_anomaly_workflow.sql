-- Anomaly status workflow: allowed moves succeed and are recorded; anything else is refused
-- with SQLSTATE 22023 and a message naming both statuses, by the RPC and by a direct PATCH.
begin;
set local search_path = extensions, public;
select plan(20);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

insert into auth.users (id, email) values ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'member@driftlock.dev');
insert into public.organization_members (org_id, user_id, role)
values ('11111111-1111-4111-8111-111111111111', 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'member');

select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'acknowledged', 'on it') ->> 'status',
  'acknowledged', 'the owner acknowledges an open anomaly');
select is((select status_changed_by from public.anomalies where id = 'a0000000-0000-4000-8000-000000000001'),
  'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'the change records who made it');
select is((select from_status || '>' || to_status || ':' || note from public.anomaly_status_history
           where anomaly_id = 'a0000000-0000-4000-8000-000000000001' order by changed_at desc, id desc limit 1),
  'open>acknowledged:on it', 'the change is in the history with its note');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'resolved') ->> 'status', 'resolved',
  'acknowledged -> resolved');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'acknowledged')$$,
  '22023', 'cannot move anomaly from resolved to acknowledged', 'resolved -> acknowledged is refused with a clear error');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'dismissed')$$,
  '22023', 'cannot move anomaly from resolved to dismissed', 'resolved -> dismissed is refused');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'resolved')$$,
  '22023', 'cannot move anomaly from resolved to resolved', 'a move to the same status is refused');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000001', 'open', 'came back') ->> 'status', 'open',
  'resolved -> open (reopen)');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000004', 'open') ->> 'status', 'open',
  'dismissed -> open');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000005', 'closed')$$,
  '22023', 'unknown anomaly status "closed" (expected open, acknowledged, resolved or dismissed)',
  'an unknown status is refused');
select throws_ok($$update public.anomalies set status = 'acknowledged' where id = 'a0000000-0000-4000-8000-000000000003'$$,
  '22023', 'cannot move anomaly from resolved to acknowledged', 'a direct PATCH cannot make an invalid move either');
select is((select count(*) from public.anomaly_status_history where anomaly_id = 'a0000000-0000-4000-8000-000000000001'),
  3::bigint, 'refused moves leave no history');

select tests.act_as('authenticated', 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000005', 'dismissed', 'noise') ->> 'status', 'dismissed',
  'a member dismisses an anomaly');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000005', 'open', null, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')$$,
  '42501', null, 'a user cannot act in someone else''s name');

select tests.act_as('authenticated', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000002', 'resolved')$$,
  '42501', 'viewers cannot change anomalies', 'a viewer cannot change status');
select is(tests.attempt($$update public.anomalies set status = 'resolved' where id = 'a0000000-0000-4000-8000-000000000002'$$), '0',
  'a viewer''s direct PATCH changes nothing');

select tests.act_as('authenticated', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb');
select throws_ok($$select public.transition_anomaly('a0000000-0000-4000-8000-000000000002', 'resolved')$$,
  'PT404', 'anomaly a0000000-0000-4000-8000-000000000002 not found', 'another org''s anomaly does not exist for you');

select tests.act_as('service_role');
select is(public.transition_anomaly('a0000000-0000-4000-8000-000000000002', 'resolved', 'via API key',
  'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') ->> 'status_changed_by', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  'the service role records the actor it is given');
select is((select note from public.anomaly_status_history where anomaly_id = 'a0000000-0000-4000-8000-000000000002'
           order by id desc limit 1), 'via API key', 'and the note');
select is(public.transition_anomaly('b0000000-0000-4000-8000-000000000001', 'acknowledged') ->> 'status_changed_by', null,
  'without an actor the service role change is anonymous');

select tests.as_superuser();
select * from finish();
rollback;
