-- Shape of the API surface: the tables exist with comments and RLS, anon has nothing, client
-- roles cannot see secrets or ledgers, and every security definer function pins search_path.
begin;
set local search_path = extensions, public;
select plan(15);

select tables_are('public', array[
  'plans', 'organizations', 'organization_members', 'api_keys', 'streams', 'anomalies',
  'anomaly_status_history', 'subscriptions', 'usage_periods', 'usage_daily', 'usage_batches',
  'usage_alerts', 'invoices', 'stripe_events', 'billing_audit_log', 'notification_outbox'
], 'public holds exactly the DriftLock tables');

select is(array(
  select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity order by 1
), '{}'::text[], 'every public table has row level security enabled');

select is(array(
  select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'r' and obj_description(c.oid, 'pg_class') is null order by 1
), '{}'::text[], 'every public table has a comment');

select is(array(
  select distinct table_name::text from information_schema.role_table_grants
  where grantee = 'anon' and table_schema = 'public' order by 1
), '{}'::text[], 'anon holds no privilege on any table');

select is(array(
  select distinct table_name::text from information_schema.column_privileges
  where grantee = 'anon' and table_schema = 'public' order by 1
), '{}'::text[], 'anon holds no column privilege either');

select is(array(
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'private') and has_function_privilege('anon', p.oid, 'execute') order by 1
), '{}'::text[], 'anon may execute no function of ours');

select ok(not has_column_privilege('authenticated', 'public.api_keys', 'key_hash', 'select')
          and not has_column_privilege('anon', 'public.api_keys', 'key_hash', 'select'),
  'no client role can read api_keys.key_hash');

select ok(has_column_privilege('service_role', 'public.api_keys', 'key_hash', 'select'),
  'the service role can read api_keys.key_hash');

select is(array(
  select t from unnest(array['stripe_events', 'billing_audit_log', 'notification_outbox']) t
  where has_table_privilege('authenticated', 'public.' || t, 'select')
     or has_table_privilege('authenticated', 'public.' || t, 'insert')
     or has_table_privilege('authenticated', 'public.' || t, 'update')
     or has_table_privilege('authenticated', 'public.' || t, 'delete')
), '{}'::text[], 'signed-in users have no access to the Stripe ledger, audit log or outbox');

select is(array(
  select f from unnest(array['public.resolve_api_key(text)', 'public.resolve_events_request(text,text,text)',
                             'public.ingest_batch(uuid,uuid,text,integer,jsonb)',
                             'public.record_usage(uuid,text,integer,integer)', 'public.apply_stripe_event(jsonb)']) f
  where has_function_privilege('authenticated', f, 'execute')
), '{}'::text[], 'the Worker-only RPCs are not executable by signed-in users');

select ok(has_function_privilege('service_role', 'public.resolve_api_key(text)', 'execute')
          and has_function_privilege('service_role', 'public.resolve_events_request(text,text,text)', 'execute')
          and has_function_privilege('service_role', 'public.ingest_batch(uuid,uuid,text,integer,jsonb)', 'execute')
          and has_function_privilege('service_role', 'public.record_usage(uuid,text,integer,integer)', 'execute')
          and has_function_privilege('service_role', 'public.apply_stripe_event(jsonb)', 'execute'),
  'the service role may execute the Worker-only RPCs');

select is(array(
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'private')
    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
  order by 1
), '{}'::text[], 'every function of ours pins search_path');

select ok(not has_schema_privilege('anon', 'private', 'usage'),
  'anon cannot even look into the private schema');

select is(array(
  select policyname::text from pg_policies
  where schemaname = 'public'
    and (coalesce(qual, '') ~ 'auth\.uid\(\)' or coalesce(with_check, '') ~ 'auth\.uid\(\)')
    and not (coalesce(qual, '') || coalesce(with_check, '')) ~ 'SELECT auth\.uid\(\)'
  order by 1
), '{}'::text[], 'policies call auth.uid() through (select ...) so it is evaluated once per statement');

select is(array(
  select c.conrelid::regclass::text || '.' || c.conname from pg_constraint c
  where c.contype = 'f' and c.connamespace = 'public'::regnamespace
    and not exists (
      select 1 from pg_index i
      where i.indrelid = c.conrelid
        and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
        and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
  order by 1
), '{}'::text[], 'every foreign key is backed by an index on its columns');

select * from finish();
rollback;
