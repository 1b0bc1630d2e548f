-- API key RPCs: resolve (the Worker, service role), create and revoke (owners/admins).

-- Resolves the SHA-256 hex of a presented secret to its org, scopes and stream access, or null
-- for an unknown or revoked key. Marks last use at most once a minute, skipping the write when
-- another request holds the row, so a busy key does not become a write hot spot.
create function public.resolve_api_key(p_key_hash text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys;
  v_plan text;
begin
  select k.* into v_key
  from public.api_keys k
  where k.key_hash = lower(p_key_hash) and k.revoked_at is null;
  if not found then
    return null;
  end if;
  select o.plan_id into v_plan from public.organizations o where o.id = v_key.org_id;

  if v_key.last_used_at is null or v_key.last_used_at < now() - interval '1 minute' then
    update public.api_keys k
    set last_used_at = now()
    where k.id = (
      select k2.id from public.api_keys k2
      where k2.id = v_key.id
        and (k2.last_used_at is null or k2.last_used_at < now() - interval '1 minute')
      for update skip locked
    );
  end if;

  return jsonb_build_object(
    'key_id', v_key.id,
    'org_id', v_key.org_id,
    'scopes', to_jsonb(v_key.scopes),
    'stream_ids', to_jsonb(v_key.stream_ids),
    'plan', v_plan,
    'blocked', (private.quota_summary(v_key.org_id) -> 'blocked')
  );
end
$$;
comment on function public.resolve_api_key(text) is
  'Service role only. {key_id, org_id, scopes, stream_ids (null = all streams), plan, blocked} for a live key hash, else null.';

-- The public view of a key: never the hash.
create function private.api_key_json(p_key public.api_keys)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_key.id, 'org_id', p_key.org_id, 'name', p_key.name, 'prefix', p_key.prefix,
    'scopes', to_jsonb(p_key.scopes), 'stream_ids', to_jsonb(p_key.stream_ids),
    'created_by', p_key.created_by, 'created_at', p_key.created_at,
    'last_used_at', p_key.last_used_at, 'revoked_at', p_key.revoked_at)
$$;

-- Stores a new key for p_org_id. The Worker generates the secret, shows it once and passes
-- only its prefix and hash. Security invoker: RLS lets only owners and admins insert.
create function public.create_api_key(p_org_id uuid, p_name text, p_prefix text, p_key_hash text,
                                      p_scopes text[], p_stream_ids uuid[] default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_key public.api_keys;
begin
  if (select auth.uid()) is not null and not private.is_org_member(p_org_id, array['owner', 'admin']) then
    raise exception 'only owners and admins of organization % manage API keys', p_org_id
      using errcode = '42501';
  end if;
  if p_stream_ids is not null and exists (
    select 1 from unnest(p_stream_ids) as s(id)
    where not exists (select 1 from public.streams st where st.id = s.id and st.org_id = p_org_id)
  ) then
    raise exception 'stream_ids must name streams of organization %', p_org_id using errcode = '22023';
  end if;
  insert into public.api_keys (org_id, name, prefix, key_hash, scopes, stream_ids, created_by)
  values (p_org_id, p_name, p_prefix, lower(p_key_hash), coalesce(p_scopes, '{}'), p_stream_ids, (select auth.uid()))
  returning id into v_id;
  select k.id, k.org_id, k.name, k.prefix, null::text, k.scopes, k.stream_ids, k.created_by,
         k.created_at, k.last_used_at, k.revoked_at
    into v_key
  from public.api_keys k where k.id = v_id;
  return private.api_key_json(v_key);
end
$$;
comment on function public.create_api_key(uuid, text, text, text, text[], uuid[]) is
  'Owners/admins (user JWT) or the service role. Stores a key by prefix and sha256 hex hash; returns the key without its hash.';

-- Revokes a key (idempotent: an already revoked key keeps its first revoked_at).
create function public.revoke_api_key(p_key_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  update public.api_keys k
  set revoked_at = coalesce(k.revoked_at, now())
  where k.id = p_key_id
  returning k.id, k.org_id, k.name, k.prefix, null::text, k.scopes, k.stream_ids, k.created_by,
            k.created_at, k.last_used_at, k.revoked_at
    into v_key;
  if not found then
    raise exception 'api key % not found', p_key_id using errcode = 'P0002';
  end if;
  return private.api_key_json(v_key);
end
$$;
comment on function public.revoke_api_key(uuid) is
  'Owners/admins (user JWT) or the service role. Sets revoked_at; P0002 when the key is not visible to the caller.';

revoke all on function public.resolve_api_key(text) from public, anon, authenticated;
revoke all on function private.api_key_json(public.api_keys) from public;
revoke all on function public.create_api_key(uuid, text, text, text, text[], uuid[]) from public, anon;
revoke all on function public.revoke_api_key(uuid) from public, anon;
grant execute on function public.resolve_api_key(text) to service_role;
grant execute on function private.api_key_json(public.api_keys) to authenticated, service_role;
grant execute on function public.create_api_key(uuid, text, text, text, text[], uuid[]) to authenticated, service_role;
grant execute on function public.revoke_api_key(uuid) to authenticated, service_role;
