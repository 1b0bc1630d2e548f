-- Free organizations per user: create_org_with_owner refuses a fourth developer-plan
-- organization to a user who already owns three (P0001, HTTP 400). Paid organizations and
-- memberships other than owner do not count. The last part races two real sessions (dblink)
-- of one user; they commit, so the user and organizations they use are created and deleted
-- here explicitly.
begin;
set local search_path = extensions, public;
select plan(21);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

insert into auth.users (id, email) values
  ('0f000000-0000-4000-8000-000000000001', 'farmer@driftlock.test'),
  ('0f000000-0000-4000-8000-000000000002', 'bystander@driftlock.test'),
  ('0f000000-0000-4000-8000-000000000003', 'consultant@driftlock.test');

-- anon: not even allowed to call it (not the function's own "sign in" 42501: the privilege).
select tests.act_as('anon');
select throws_ok($$select public.create_org_with_owner('anon corp')$$, '42501',
  'permission denied for function create_org_with_owner', 'anon cannot execute create_org_with_owner');
select tests.as_superuser();
select ok(not has_function_privilege('anon', 'public.create_org_with_owner(text)', 'execute'),
  'anon has no execute privilege on create_org_with_owner');
select ok(has_function_privilege('authenticated', 'public.create_org_with_owner(text)', 'execute'),
  'signed-in users keep the execute privilege');

-- A user creates three free organizations; the fourth is refused.
select tests.act_as('authenticated', '0f000000-0000-4000-8000-000000000001');
create temp table farm1 as select public.create_org_with_owner('Farm 1') as v;
select is((select v - 'id' - 'created_at' from farm1),
  '{"name": "Farm 1", "plan_id": "developer", "stop_at_soft_cap": false, "role": "owner"}'::jsonb,
  'a user creates a first free organization and owns it');
select ok((select v ? 'id' and v ? 'created_at' from farm1), 'the answer keeps its id and created_at');
select is(public.create_org_with_owner('Farm 2') ->> 'role', 'owner', 'a user creates a second free organization');
select is(public.create_org_with_owner('Farm 3') ->> 'role', 'owner', 'a user creates a third free organization');
select throws_ok($$select public.create_org_with_owner('Farm 4')$$, 'P0001',
  'you already own 3 organizations on the free Developer plan; upgrade one of them or ask to be invited to an existing one',
  'a fourth free organization is refused');

select tests.as_superuser();
select is((select count(*) from public.organizations where name like 'Farm %'), 3::bigint,
  'the refused call created no organization');
select is((select count(*) from public.organization_members where user_id = '0f000000-0000-4000-8000-000000000001'),
  3::bigint, 'the refused call created no membership');

-- One of them moves to a paid plan (Stripe's job, here by hand): it no longer counts.
update public.organizations set plan_id = 'standard' where name = 'Farm 1';
select tests.act_as('authenticated', '0f000000-0000-4000-8000-000000000001');
select is(public.create_org_with_owner('Farm 4') ->> 'plan_id', 'developer',
  'after one organization moved to a paid plan, the user creates another free one');
select throws_ok($$select public.create_org_with_owner('Farm 5')$$, 'P0001',
  'you already own 3 organizations on the free Developer plan; upgrade one of them or ask to be invited to an existing one',
  'with three free organizations again, the next one is refused');

-- Another user is unaffected.
select tests.act_as('authenticated', '0f000000-0000-4000-8000-000000000002');
select is(public.create_org_with_owner('Bystander Inc') ->> 'role', 'owner',
  'another user creates an organization while the first is at the limit');

-- Admin, member or viewer of five free organizations: none of them counts.
select tests.as_superuser();
insert into public.organization_members (org_id, user_id, role)
select o.id, '0f000000-0000-4000-8000-000000000003', r.role
from public.organizations o
join (values ('Acme Demo', 'admin'), ('Globex', 'member'), ('Farm 2', 'viewer'), ('Farm 3', 'admin'), ('Farm 4', 'member'))
  as r (name, role) on r.name = o.name;
select tests.act_as('authenticated', '0f000000-0000-4000-8000-000000000003');
select is(public.create_org_with_owner('Consulting 1') ->> 'role', 'owner',
  'a non-owner member of five free organizations creates a first organization');
select is(public.create_org_with_owner('Consulting 2') ->> 'role', 'owner', 'and a second');
select is(public.create_org_with_owner('Consulting 3') ->> 'role', 'owner', 'and a third');
select throws_ok($$select public.create_org_with_owner('Consulting 4')$$, 'P0001', null,
  'and is refused a fourth, like anyone who owns three');
select tests.as_superuser();

-- Race: the same user, two real sessions, already owning two free organizations. c1 creates a
-- third and keeps its transaction open; c2 asks for another meanwhile. c2 must wait for c1
-- and then be refused (without the per-user lock it would count two and create a fourth).
select tests.open_sessions(array['setup', 'c1', 'c2']);
select dblink_exec('setup', $$delete from public.organizations where id in (select m.org_id from public.organization_members m
                                where m.user_id = '0f000000-0000-4000-8000-000000000004')$$);
select dblink_exec('setup', $$delete from auth.users where id = '0f000000-0000-4000-8000-000000000004'$$);
select dblink_exec('setup', $$insert into auth.users (id, email) values ('0f000000-0000-4000-8000-000000000004', 'racer@driftlock.test')$$);
select dblink_exec('setup', $$insert into public.organizations (id, name) values
  ('0f000000-0000-4000-8000-0000000000a1', 'Race 1'), ('0f000000-0000-4000-8000-0000000000a2', 'Race 2')$$);
select dblink_exec('setup', $$insert into public.organization_members (org_id, user_id, role) values
  ('0f000000-0000-4000-8000-0000000000a1', '0f000000-0000-4000-8000-000000000004', 'owner'),
  ('0f000000-0000-4000-8000-0000000000a2', '0f000000-0000-4000-8000-000000000004', 'owner')$$);
select t.claims
from unnest(array['c1', 'c2']) c,
     dblink(c, $$select set_config('request.jwt.claims', '{"role": "authenticated", "sub": "0f000000-0000-4000-8000-000000000004"}', false)$$)
       as t(claims text);

select dblink_exec('c1', 'begin');
create temp table race_c1 as
select r::jsonb as v from dblink('c1', $$select public.create_org_with_owner('Race 3')::text$$) as t(r text);
create temp table race_c2_pid as select pid from dblink('c2', 'select pg_backend_pid()') as t(pid integer);
select dblink_send_query('c2', $$select public.create_org_with_owner('Race 4')::text$$);
select ok(tests.wait_until_blocked((select pid from race_c2_pid), 'advisory'),
  'a second concurrent call by the same user waits for the first');
select dblink_exec('c1', 'commit');
create temp table race_c2 as select r from dblink_get_result('c2', false) as t(r text);
create temp table race_c2_error as select dblink_error_message('c2') as message;
-- an async query ends with an empty result; read it so the connection is free again
select count(*) from dblink_get_result('c2', false) as t(r text);

select is((select v ->> 'role' from race_c1), 'owner', 'the first call created the third organization');
select ok((select count(*) = 0 from race_c2)
          and (select message like '%you already own 3 organizations on the free Developer plan%' from race_c2_error),
  'the second call, once the first committed, is refused');
select is((select n from dblink('setup', $$select count(*) from public.organization_members
                                          where user_id = '0f000000-0000-4000-8000-000000000004' and role = 'owner'$$) as t(n bigint)),
  3::bigint, 'the racing user owns three organizations, not four');

select dblink_exec('setup', $$delete from public.organizations where id in (select m.org_id from public.organization_members m
                                where m.user_id = '0f000000-0000-4000-8000-000000000004')$$);
select dblink_exec('setup', $$delete from auth.users where id = '0f000000-0000-4000-8000-000000000004'$$);
select dblink_disconnect(c) from unnest(array['setup', 'c1', 'c2']) c;

select * from finish();
rollback;
