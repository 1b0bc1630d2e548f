-- API keys: the secret is shown once by the Worker and never stored; we keep a visible prefix
-- and the SHA-256 (hex) of the whole secret. No client role can read key_hash.
create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  prefix text not null check (char_length(prefix) between 4 and 32),
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] not null default '{}'
    check (scopes <@ array['events:write', 'anomalies:read', 'anomalies:write', 'usage:read',
                           'usage:write', 'streams:read', 'streams:write']::text[]),
  stream_ids uuid[],
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
comment on table public.api_keys is
  'Machine credentials. key_hash = hex sha256 of the full secret; stream_ids null = every stream of the org; revoked keys stay for audit.';
comment on column public.api_keys.key_hash is 'hex SHA-256 of the full secret; never readable by client roles';
create index api_keys_org_id_idx on public.api_keys (org_id);
create index api_keys_created_by_idx on public.api_keys (created_by);

-- Owner/admin list, create and revoke keys (rpc/create_api_key, rpc/revoke_api_key). Column
-- grants keep key_hash write-only for clients; keys are never deleted by clients.
revoke all on table public.api_keys from anon, authenticated;
grant select (id, org_id, name, prefix, scopes, stream_ids, created_by, created_at, last_used_at, revoked_at)
  on table public.api_keys to authenticated;
grant insert (org_id, name, prefix, key_hash, scopes, stream_ids, created_by)
  on table public.api_keys to authenticated;
grant update (name, revoked_at) on table public.api_keys to authenticated;
grant all on table public.api_keys to service_role;

alter table public.api_keys enable row level security;
create policy "owners and admins read keys" on public.api_keys
  for select to authenticated
  using (org_id in (select private.user_org_ids(array['owner', 'admin'])));
create policy "owners and admins create keys" on public.api_keys
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids(array['owner', 'admin']))
    and created_by = (select auth.uid())
  );
create policy "owners and admins rename and revoke keys" on public.api_keys
  for update to authenticated
  using (org_id in (select private.user_org_ids(array['owner', 'admin'])))
  with check (org_id in (select private.user_org_ids(array['owner', 'admin'])));
