-- GET /metrics: anomaly_counts counts an organization's unresolved anomalies by stream,
-- severity and status, for its members and the service role only.
begin;
set local search_path = extensions, public;
select plan(8);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

insert into public.organizations (id, name) values ('99999999-0000-4000-8000-0000000000c1', 'Counted');
insert into auth.users (id, email) values ('99999999-0000-4000-8000-0000000000d1', 'counted-viewer@example.test');
insert into public.organization_members (org_id, user_id, role)
  values ('99999999-0000-4000-8000-0000000000c1', '99999999-0000-4000-8000-0000000000d1', 'viewer');
insert into public.streams (id, org_id, name) values
  ('99999999-0000-4000-8000-0000000000e1', '99999999-0000-4000-8000-0000000000c1', 'api'),
  ('99999999-0000-4000-8000-0000000000e2', '99999999-0000-4000-8000-0000000000c1', 'worker');
-- api: two open high, one acknowledged high, one resolved and one dismissed (not counted);
-- worker: one open low.
insert into public.anomalies (org_id, stream_id, event_type, severity, status)
select '99999999-0000-4000-8000-0000000000c1', s, 'log', sev, st
from (values
  ('99999999-0000-4000-8000-0000000000e1'::uuid, 'high', 'open'),
  ('99999999-0000-4000-8000-0000000000e1'::uuid, 'high', 'open'),
  ('99999999-0000-4000-8000-0000000000e1'::uuid, 'high', 'acknowledged'),
  ('99999999-0000-4000-8000-0000000000e1'::uuid, 'medium', 'resolved'),
  ('99999999-0000-4000-8000-0000000000e1'::uuid, 'low', 'dismissed'),
  ('99999999-0000-4000-8000-0000000000e2'::uuid, 'low', 'open')) v(s, sev, st);

select tests.act_as('service_role');
select results_eq(
  $$select stream, severity, status, anomalies from public.anomaly_counts('99999999-0000-4000-8000-0000000000c1')$$,
  $$values ('api', 'high', 'acknowledged', 1::bigint), ('api', 'high', 'open', 2::bigint), ('worker', 'low', 'open', 1::bigint)$$,
  'the service role gets unresolved anomalies by stream, severity and status; resolved and dismissed ones are not counted');
select is((select count(*) from public.anomaly_counts('11111111-1111-4111-8111-111111111111') where stream = 'api'), 0::bigint,
  'another organization''s counts hold none of these streams');

select tests.act_as('authenticated', '99999999-0000-4000-8000-0000000000d1');
select is((select sum(anomalies) from public.anomaly_counts('99999999-0000-4000-8000-0000000000c1')), 4::numeric,
  'a member (even a viewer) gets the organization''s counts');
select throws_ok($$select * from public.anomaly_counts('11111111-1111-4111-8111-111111111111')$$,
  '42501', null, 'a signed-in user who is not a member is refused');

select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select throws_ok($$select * from public.anomaly_counts('99999999-0000-4000-8000-0000000000c1')$$,
  '42501', null, 'another organization''s owner is refused');
select ok((select count(*) > 0 from public.anomaly_counts('11111111-1111-4111-8111-111111111111')),
  'the seeded Acme owner gets Acme''s counts');

select tests.act_as('anon');
select throws_ok($$select * from public.anomaly_counts('99999999-0000-4000-8000-0000000000c1')$$,
  '42501', null, 'anon cannot execute anomaly_counts');

select tests.as_superuser();
select is(
  (select provolatile::text || ':' || prosecdef::text from pg_catalog.pg_proc where oid = 'public.anomaly_counts(uuid)'::regprocedure),
  's:false', 'anomaly_counts is stable and security invoker (RLS applies to members)');

select * from finish();
rollback;
