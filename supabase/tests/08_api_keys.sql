-- API keys: the Worker resolves a presented secret's hash; owners create and revoke keys.
begin;
set local search_path = extensions, public;
select plan(16);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

select tests.act_as('service_role');
create temp table k as
select public.resolve_api_key(encode(sha256(convert_to('dl_demo0001_0123456789abcdef0123456789abcdef', 'UTF8')), 'hex')) as v;
select is((select v ->> 'org_id' from k), '11111111-1111-4111-8111-111111111111', 'the demo key resolves to Acme');
select is((select v - 'key_id' - 'scopes' from k),
  '{"org_id": "11111111-1111-4111-8111-111111111111", "stream_ids": null, "plan": "developer", "blocked": false}'::jsonb,
  'with its plan, stream access (null = all) and blocked flag');
select ok((select v -> 'scopes' ? 'events:write' from k), 'and its scopes');
select isnt((select last_used_at from public.api_keys where id = 'd1000000-0000-4000-8000-000000000001'), null,
  'resolving marks the key as used');
update public.api_keys set last_used_at = now() - interval '30 seconds' where id = 'd1000000-0000-4000-8000-000000000001';
select public.resolve_api_key(encode(sha256(convert_to('dl_demo0001_0123456789abcdef0123456789abcdef', 'UTF8')), 'hex'));
select ok((select last_used_at < now() - interval '20 seconds' from public.api_keys where id = 'd1000000-0000-4000-8000-000000000001'),
  'last use is written at most once a minute');
select is(public.resolve_api_key(repeat('0', 64)), null, 'an unknown hash resolves to null');

-- a free org at 100% is reported blocked to the Worker
select public.record_usage('11111111-1111-4111-8111-111111111111', 'fill-up', 0, 995);
select is(public.resolve_api_key(encode(sha256(convert_to('dl_demo0001_0123456789abcdef0123456789abcdef', 'UTF8')), 'hex')) -> 'blocked',
  'true'::jsonb, 'a key of a free org at its limit resolves as blocked');

select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
create temp table nk as
select public.create_api_key('11111111-1111-4111-8111-111111111111', 'checkout only', 'dl_chk00001',
  encode(sha256(convert_to('dl_chk00001_secret', 'UTF8')), 'hex'), array['events:write'],
  array['33333333-3333-4333-8333-333333333331']::uuid[]) as v;
select is((select v -> 'stream_ids' from nk), '["33333333-3333-4333-8333-333333333331"]'::jsonb,
  'an owner creates a key limited to one stream');
select is((select v ->> 'created_by' from nk), 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'the key records its creator');
select throws_ok($$select public.create_api_key('11111111-1111-4111-8111-111111111111', 'x', 'dl_x0000001', repeat('f', 64),
  array['events:write'], array['44444444-4444-4444-8444-444444444441']::uuid[])$$, '22023', null,
  'a key cannot be limited to another org''s stream');
select throws_ok($$select public.create_api_key('11111111-1111-4111-8111-111111111111', 'x', 'dl_x0000001', 'not-a-hash', array['events:write'])$$,
  '23514', null, 'a key hash must be 64 hex characters');
select throws_ok($$select public.create_api_key('22222222-2222-4222-8222-222222222222', 'x', 'dl_x0000001', repeat('f', 64), array['events:write'])$$,
  '42501', null, 'nobody creates keys for another org');
select is(public.revoke_api_key('d1000000-0000-4000-8000-000000000001') ->> 'id', 'd1000000-0000-4000-8000-000000000001',
  'the owner revokes the demo key');
select is((public.revoke_api_key('d1000000-0000-4000-8000-000000000001') ->> 'revoked_at')::timestamptz,
  (select revoked_at from public.api_keys where id = 'd1000000-0000-4000-8000-000000000001'), 'revoking twice is harmless');
select throws_ok($$update public.api_keys set revoked_at = null where id = 'd1000000-0000-4000-8000-000000000001'$$,
  '22023', null, 'a revoked key cannot be brought back');

select tests.act_as('service_role');
select is(public.resolve_api_key(encode(sha256(convert_to('dl_demo0001_0123456789abcdef0123456789abcdef', 'UTF8')), 'hex')), null,
  'a revoked key resolves to null');

select tests.as_superuser();
select * from finish();
rollback;
