-- What each role may and may not do: anon, viewer, member, admin, owner, service role.
begin;
set local search_path = extensions, public;
select plan(51);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

-- Acme gets an admin and a member besides the seeded owner and viewer.
insert into auth.users (id, email) values
  ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'admin@driftlock.dev'),
  ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'member@driftlock.dev'),
  ('ffffffff-ffff-4fff-8fff-ffffffffffff', 'newcomer@driftlock.dev');
insert into public.organization_members (org_id, user_id, role) values
  ('11111111-1111-4111-8111-111111111111', 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'admin'),
  ('11111111-1111-4111-8111-111111111111', 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'member');

-- anon: nothing at all.
select tests.act_as('anon');
select is(array(
  select t from unnest(array['plans', 'organizations', 'organization_members', 'api_keys', 'streams', 'anomalies',
    'anomaly_status_history', 'subscriptions', 'usage_periods', 'usage_daily', 'usage_batches', 'usage_alerts',
    'invoices', 'stripe_events', 'billing_audit_log', 'notification_outbox']) t
  where tests.attempt('select 1 from public.' || t) <> 'denied'
), '{}'::text[], 'anon is denied reading every table');
select throws_ok($$select public.quota_state('11111111-1111-4111-8111-111111111111')$$, '42501', null,
  'anon cannot ask for quota state');
select throws_ok($$select public.create_org_with_owner('anon corp')$$, '42501',
  'permission denied for function create_org_with_owner',
  'anon cannot create an organization (no execute privilege, not just no user)');

-- viewer: reads the org's data, never writes.
select tests.act_as('authenticated', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc');
select is(tests.attempt('select 1 from public.anomalies'), '5', 'a viewer reads the org''s anomalies');
select is(tests.attempt('select 1 from public.streams'), '2', 'a viewer reads the org''s streams');
select is(tests.attempt('select 1 from public.usage_periods'), '1', 'a viewer reads the org''s usage');
select is(tests.attempt($$insert into public.anomalies (org_id, stream_id, event_type, severity)
  values ('11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333331', 'log', 'low')$$),
  'denied', 'a viewer cannot record an anomaly');
select is(tests.attempt($$update public.anomalies set status = 'acknowledged' where status = 'open'$$), '0',
  'a viewer cannot change anomaly status');
select is(tests.attempt($$update public.streams set sensitivity = 0.9$$), '0', 'a viewer cannot tune streams');
select is(tests.attempt($$insert into public.streams (org_id, name) values ('11111111-1111-4111-8111-111111111111', 'viewer-stream')$$),
  'denied', 'a viewer cannot create streams');
select is(tests.attempt('select 1 from public.api_keys'), '0', 'a viewer does not see API keys');
select is(tests.attempt($$update public.organizations set name = 'viewer was here'$$), '0',
  'a viewer cannot rename the organization');
select is(tests.attempt($$insert into public.organization_members (org_id, user_id, role)
  values ('11111111-1111-4111-8111-111111111111', 'ffffffff-ffff-4fff-8fff-ffffffffffff', 'viewer')$$),
  'denied', 'a viewer cannot add members');
select is(tests.attempt($$delete from public.organization_members$$), '0', 'a viewer cannot remove members');

-- member: records anomalies, works the status workflow, tunes streams; no keys, billing or members.
select tests.act_as('authenticated', 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee');
select is(tests.attempt($$insert into public.anomalies (org_id, stream_id, event_type, severity, event_excerpt)
  values ('11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333331', 'log', 'low', 'by hand')$$),
  '1', 'a member records an anomaly by hand');
select is(tests.attempt($$update public.anomalies set status = 'acknowledged' where id = 'a0000000-0000-4000-8000-000000000001'$$),
  '1', 'a member acknowledges an anomaly');
select is(tests.attempt($$update public.streams set sensitivity = 0.8 where name = 'checkout-api'$$), '1',
  'a member tunes a stream''s sensitivity');
select is(tests.attempt($$delete from public.streams where name = 'checkout-api'$$), '0',
  'a member cannot delete a stream');
select is(tests.attempt($$delete from public.anomalies$$), 'denied', 'a member cannot delete anomalies');
select is(tests.attempt('select 1 from public.api_keys'), '0', 'a member does not see API keys');
select throws_ok($$select public.create_api_key('11111111-1111-4111-8111-111111111111', 'member key', 'dl_memb0001', repeat('b', 64), array['events:write'])$$,
  '42501', 'only owners and admins of organization 11111111-1111-4111-8111-111111111111 manage API keys',
  'a member cannot create an API key');
select is(tests.attempt($$update public.organizations set stop_at_soft_cap = true$$), '0',
  'a member cannot change billing settings');
select throws_ok($$insert into public.anomalies (org_id, stream_id, event_type, severity)
  values ('11111111-1111-4111-8111-111111111111', '44444444-4444-4444-8444-444444444441', 'log', 'low')$$,
  '23503', null, 'a member cannot file an anomaly under another org''s stream');

-- admin: keys, members (not owners) and org settings; never plan or Stripe ids.
select tests.act_as('authenticated', 'dddddddd-dddd-4ddd-8ddd-dddddddddddd');
select is((public.create_api_key('11111111-1111-4111-8111-111111111111', 'ci key', 'dl_ci000001', repeat('c', 64),
  array['events:write'])) ->> 'name', 'ci key', 'an admin creates an API key');
select ok(not (public.create_api_key('11111111-1111-4111-8111-111111111111', 'ci key 2', 'dl_ci000002', repeat('d', 64),
  array['events:write'])) ? 'key_hash', 'a created key is returned without its hash');
select is(tests.attempt('select 1 from public.api_keys'), '3', 'an admin lists the org''s API keys');
select is(tests.attempt('select key_hash from public.api_keys'), 'denied', 'an admin cannot read key hashes');
select isnt((public.revoke_api_key('d1000000-0000-4000-8000-000000000001')) ->> 'revoked_at', null,
  'an admin revokes an API key');
select is(tests.attempt($$insert into public.organization_members (org_id, user_id, role)
  values ('11111111-1111-4111-8111-111111111111', 'ffffffff-ffff-4fff-8fff-ffffffffffff', 'member')$$),
  '1', 'an admin adds a member');
select is(tests.attempt($$update public.organization_members set role = 'owner' where user_id = 'ffffffff-ffff-4fff-8fff-ffffffffffff'$$),
  'denied', 'an admin cannot promote anyone to owner');
select is(tests.attempt($$delete from public.organization_members where role = 'owner'$$), '0',
  'an admin cannot remove an owner');
select is(tests.attempt($$update public.organizations set name = 'Acme Renamed' where id = '11111111-1111-4111-8111-111111111111'$$),
  '1', 'an admin renames the organization');
select is(tests.attempt($$update public.organizations set plan_id = 'growth'$$), 'denied',
  'an admin cannot grant the org a plan (only Stripe can)');
select is(tests.attempt($$update public.organizations set stripe_customer_id = 'cus_x'$$), 'denied',
  'an admin cannot change the Stripe customer');
select is(tests.attempt('select 1 from public.stripe_events'), 'denied', 'an admin cannot read the Stripe ledger');
select is(tests.attempt('select 1 from public.billing_audit_log'), 'denied', 'an admin cannot read the audit log');

-- owner: everything an admin can, plus owners; an org always keeps one owner.
select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select throws_ok($$delete from public.organization_members where user_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$$,
  '22023', 'organization 11111111-1111-4111-8111-111111111111 must keep at least one owner',
  'the last owner cannot leave');
select throws_ok($$update public.organization_members set role = 'admin' where user_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$$,
  '22023', null, 'the last owner cannot step down');
select is(tests.attempt($$update public.organization_members set role = 'owner' where user_id = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd'$$),
  '1', 'an owner promotes an admin to owner');
select is(tests.attempt($$update public.organizations set stop_at_soft_cap = true where id = '11111111-1111-4111-8111-111111111111'$$),
  '1', 'an owner chooses to stop at the soft cap');
select is(tests.attempt($$delete from public.streams where name = 'payments-latency'$$), '1', 'an owner deletes a stream');
select is(tests.attempt('select 1 from public.notification_outbox'), 'denied', 'an owner cannot read the outbox');
select is(tests.attempt($$update public.organization_members set role = 'admin' where user_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'$$),
  '1', 'with a second owner, an owner may step down');

-- a signed-in user without an org creates one and owns it.
select tests.act_as('authenticated', 'ffffffff-ffff-4fff-8fff-ffffffffffff');
select is((public.create_org_with_owner('Newco')) ->> 'role', 'owner', 'a signed-in user creates an org and owns it');
select is(tests.attempt($$select 1 from public.organizations where name = 'Newco'$$), '1', 'the new owner sees the new org');

-- signed-in users cannot call the Worker's RPCs.
select throws_ok($$select public.resolve_api_key(repeat('a', 64))$$, '42501', null,
  'a signed-in user cannot resolve API keys');
select throws_ok($$select public.record_usage('11111111-1111-4111-8111-111111111111', 'x', 1, 1)$$, '42501', null,
  'a signed-in user cannot record usage');

-- service role: bypasses RLS, sees secrets and ledgers.
select tests.act_as('service_role');
select is(tests.attempt('select key_hash from public.api_keys'), '4', 'the service role reads key hashes of every org (2 seeded, 2 created here)');
select is(tests.attempt('select 1 from public.anomalies'), '5', 'the service role reads anomalies of every org (7 less the 2 of the deleted stream)');
select is(tests.attempt('select 1 from public.billing_audit_log'), (select count(*)::text from public.billing_audit_log),
  'the service role reads the audit log');

select tests.as_superuser();
select lives_ok($$delete from public.organizations where id = '22222222-2222-4222-8222-222222222222'$$,
  'deleting an organization (service side) removes its last owner with it');
select * from finish();
rollback;
