-- POST /events in one RPC: resolve_events_request resolves the key like resolve_api_key and
-- finds or creates the stream, unless the key may not write events, the org is blocked or the
-- key is limited to other streams. The last part races two real sessions (dblink), which
-- commit, so the org they use is created and deleted here explicitly.
begin;
set local search_path = extensions, public;
select plan(29);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

-- The key hash the Worker sends for a secret.
create function tests.h(p_secret text) returns text
language sql immutable as $$ select encode(sha256(convert_to(p_secret, 'UTF8')), 'hex') $$;
grant execute on function tests.h(text) to anon, authenticated, service_role;

-- Acme (seeded: demo key with every scope and no stream limit; streams checkout-api ...331 and
-- payments-latency ...332) gets a key limited to checkout-api, one without events:write and a
-- revoked one.
insert into public.api_keys (id, org_id, name, prefix, key_hash, scopes, stream_ids, revoked_at) values
  ('d1000000-0000-4000-8000-00000000000a', '11111111-1111-4111-8111-111111111111', 'checkout only', 'dl_lim00001',
   tests.h('dl_lim00001_secret'), array['events:write'], array['33333333-3333-4333-8333-333333333331']::uuid[], null),
  ('d1000000-0000-4000-8000-00000000000b', '11111111-1111-4111-8111-111111111111', 'read only', 'dl_read0001',
   tests.h('dl_read0001_secret'), array['anomalies:read', 'streams:read'], null, null),
  ('d1000000-0000-4000-8000-00000000000c', '11111111-1111-4111-8111-111111111111', 'revoked', 'dl_revk0001',
   tests.h('dl_revk0001_secret'), array['events:write'], null, now());
update public.api_keys set last_used_at = null where id = 'd1000000-0000-4000-8000-000000000001';

-- Who may call it.
select tests.act_as('anon');
select throws_ok($$select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'checkout-api', 'log')$$,
  '42501', null, 'anon cannot execute resolve_events_request');
select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select throws_ok($$select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'checkout-api', 'log')$$,
  '42501', null, 'a signed-in user (even the org owner) cannot execute resolve_events_request');

select tests.act_as('service_role');
create temp table r as
select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'checkout-api', 'log') as v;
select isnt((select v from r), null, 'the service role executes resolve_events_request');

-- Unknown and revoked keys.
select is(public.resolve_events_request(repeat('0', 64), 'checkout-api', 'log'), null, 'an unknown key hash resolves to null');
select is(public.resolve_events_request(tests.h('dl_revk0001_secret'), 'checkout-api', 'log'), null,
  'a revoked key resolves to null');

-- The grant is resolve_api_key's, with its side effect.
select isnt((select last_used_at from public.api_keys where id = 'd1000000-0000-4000-8000-000000000001'), null,
  'resolving marks the key as used, as resolve_api_key does');
select is((select v -> 'grant' from r), public.resolve_api_key(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef')),
  'the grant is exactly what resolve_api_key returns');
select is(array(select jsonb_object_keys(v) from r order by 1), array['grant', 'stream'],
  'the answer holds grant and stream, nothing else');

-- An existing stream, as PostgREST would return its columns.
select is((select v -> 'stream' ->> 'id' from r), '33333333-3333-4333-8333-333333333331',
  'an unlimited key gets the org''s existing stream by name');
select is(array(select jsonb_object_keys(v -> 'stream') from r order by 1),
  array['baseline_size', 'compressor', 'created_at', 'event_type', 'id', 'name', 'org_id', 'sensitivity',
        'updated_at', 'window_size'],
  'the stream object has exactly the ten stream columns');
select ok((select jsonb_typeof(v -> 'stream' -> 'sensitivity') = 'number' and (v -> 'stream' ->> 'sensitivity')::numeric = 0.5 from r),
  'sensitivity is a JSON number (0.5), not a string');

-- An unlimited key creates a missing stream once.
create temp table created as
select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'fresh-stream', 'metric') as v;
select is((select (v -> 'stream') - 'id' - 'created_at' - 'updated_at' from created),
  '{"org_id": "11111111-1111-4111-8111-111111111111", "name": "fresh-stream", "event_type": "metric",
    "compressor": "zstd", "sensitivity": 0.5, "baseline_size": 400, "window_size": 50}'::jsonb,
  'a missing stream is created with the given event type and default settings');
select is(array(select id::text from public.streams where org_id = '11111111-1111-4111-8111-111111111111' and name = 'fresh-stream'),
  array[(select v -> 'stream' ->> 'id' from created)], 'the created stream is the row returned');
select is(public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'fresh-stream', 'log') -> 'stream' ->> 'id',
  (select v -> 'stream' ->> 'id' from created), 'a second call returns the same stream');
select is((select count(*) from public.streams where org_id = '11111111-1111-4111-8111-111111111111' and name = 'fresh-stream'),
  1::bigint, 'and creates no second row');
select ok((select v -> 'stream' ->> 'org_id' = '11111111-1111-4111-8111-111111111111'
                  and v -> 'stream' ->> 'id' <> '44444444-4444-4444-8444-444444444441'
           from (select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'web-logs', 'log') as v) x),
  'a name another org uses gives the key''s own org a new stream, never the other org''s');
select throws_ok($$select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'Bad Name!', 'log')$$,
  '23514', null, 'an invalid stream name fails the table''s check');
select throws_ok($$select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'typed-stream', 'bogus')$$,
  '23514', null, 'an invalid event type fails the table''s check');

-- A key limited to checkout-api.
select is(public.resolve_events_request(tests.h('dl_lim00001_secret'), 'checkout-api', 'log') -> 'stream' ->> 'id',
  '33333333-3333-4333-8333-333333333331', 'a limited key gets a stream it is limited to');
select is(public.resolve_events_request(tests.h('dl_lim00001_secret'), 'payments-latency', 'metric') -> 'stream',
  'null'::jsonb, 'a limited key gets null for another existing stream of its org');
select is(public.resolve_events_request(tests.h('dl_lim00001_secret'), 'limited-new', 'log') -> 'stream',
  'null'::jsonb, 'a limited key gets null for a new stream name');
select is((select count(*) from public.streams where name = 'limited-new'), 0::bigint, 'a limited key never creates a stream');

-- A key without events:write.
select is(public.resolve_events_request(tests.h('dl_read0001_secret'), 'checkout-api', 'log'),
  jsonb_build_object('grant', public.resolve_api_key(tests.h('dl_read0001_secret')), 'stream', null),
  'a key without events:write gets its grant and a null stream, even for an existing one');
select ok((public.resolve_events_request(tests.h('dl_read0001_secret'), 'read-only-new', 'log') -> 'stream') = 'null'::jsonb
          and not exists (select 1 from public.streams where name = 'read-only-new'),
  'a key without events:write creates no stream');

-- A blocked org (developer plan at 100%).
select public.record_usage('11111111-1111-4111-8111-111111111111', 'fill-up', 0, 995);
create temp table blocked as
select public.resolve_events_request(tests.h('dl_demo0001_0123456789abcdef0123456789abcdef'), 'blocked-new', 'log') as v;
select is((select jsonb_build_array(v -> 'grant' -> 'blocked', v -> 'stream') from blocked), '[true, null]'::jsonb,
  'a blocked org''s key gets blocked: true and a null stream');
select is((select count(*) from public.streams where name = 'blocked-new'), 0::bigint, 'a blocked org gets no new stream');

-- Two sessions create the same new stream at once: c1 inserts and holds its transaction open,
-- c2 must wait for it and then return c1's row (not fail on the unique key).
select tests.as_superuser();
select tests.open_sessions(array['setup', 'c1', 'c2']);
select dblink_exec('setup', $$delete from public.organizations where id = '77777777-0000-4000-8000-000000000002'$$);
select dblink_exec('setup', $$insert into public.organizations (id, name) values ('77777777-0000-4000-8000-000000000002', 'pgtap stream race')$$);
select dblink_exec('setup', format($$insert into public.api_keys (org_id, name, prefix, key_hash, scopes)
  values ('77777777-0000-4000-8000-000000000002', 'race', 'dl_race0001', %L, array['events:write'])$$,
  tests.h('dl_race0001_secret')));
create temp table race (conn text, v jsonb);
select dblink_exec('c1', 'begin');
insert into race
select 'c1', v::jsonb from dblink('c1', format($$select public.resolve_events_request(%L, 'race-stream', 'log')::text$$,
  tests.h('dl_race0001_secret'))) as t(v text);
create temp table c2 as select pid from dblink('c2', 'select pg_backend_pid()') as t(pid integer);
select dblink_send_query('c2', format($$select public.resolve_events_request(%L, 'race-stream', 'log')::text$$,
  tests.h('dl_race0001_secret')));
select ok(tests.wait_until_blocked((select pid from c2)), 'the second session waits for the first one''s uncommitted stream');
select dblink_exec('c1', 'commit');
insert into race select 'c2', v::jsonb from dblink_get_result('c2') as t(v text);
select count(*) from dblink_get_result('c2') as t(v text);
select ok((select count(*) = 2 and count(v -> 'stream' ->> 'id') = 2 and count(distinct v -> 'stream' ->> 'id') = 1 from race),
  'both sessions get the same stream');
select is((select count(*) from dblink('setup', $$select 1 from public.streams
  where org_id = '77777777-0000-4000-8000-000000000002'$$) as t(one integer)), 1::bigint, 'one row was created');
select dblink_exec('setup', $$delete from public.organizations where id = '77777777-0000-4000-8000-000000000002'$$);
select dblink_disconnect(c) from unnest(array['setup', 'c1', 'c2']) c;

select * from finish();
rollback;
