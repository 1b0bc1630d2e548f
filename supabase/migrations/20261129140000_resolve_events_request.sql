-- POST /events in one round trip: resolves the API key and finds (or creates) the target
-- stream, which used to be two PostgREST calls (rpc/resolve_api_key, then the stream).

-- {"grant": <resolve_api_key's object>, "stream": <the org's stream p_stream or null>} for a
-- live key hash, else null. The key is resolved by public.resolve_api_key itself (same
-- last_used_at rule). "stream" is null, and nothing is written, when the key lacks
-- 'events:write', when the org is blocked, or when the key is limited to streams (stream_ids
-- not null) and p_stream is not one of them: a limited key never creates a stream. Otherwise a
-- missing stream is created with event_type p_event_type (other settings default); concurrent
-- callers get the same row. Names and event types are checked by the table (23514).
create function public.resolve_events_request(p_key_hash text, p_stream text, p_event_type text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_grant jsonb;
  v_org_id uuid;
  v_limited boolean;
  v_stream jsonb;
begin
  v_grant := public.resolve_api_key(p_key_hash);
  if v_grant is null then
    return null;
  end if;
  if not coalesce((v_grant -> 'scopes') ? 'events:write', false)
     or coalesce((v_grant -> 'blocked') = 'true'::jsonb, false) then
    return jsonb_build_object('grant', v_grant, 'stream', null);
  end if;
  v_org_id := (v_grant ->> 'org_id')::uuid;
  v_limited := jsonb_typeof(v_grant -> 'stream_ids') = 'array';

  if not v_limited then
    -- An unlimited key creates a missing stream. A concurrent creator's row wins the conflict
    -- (we wait for its commit) and the select below, a new snapshot, sees it.
    insert into public.streams (org_id, name, event_type)
    values (v_org_id, p_stream, p_event_type)
    on conflict (org_id, name) do nothing;
  end if;

  -- The columns a PostgREST select of them returns; sensitivity stays a JSON number.
  select to_jsonb(s) into v_stream
  from (
    select st.id, st.org_id, st.name, st.event_type, st.compressor, st.sensitivity,
           st.baseline_size, st.window_size, st.created_at, st.updated_at
    from public.streams st
    where st.org_id = v_org_id and st.name = p_stream
      and (not v_limited or (v_grant -> 'stream_ids') ? st.id::text)
  ) s;
  return jsonb_build_object('grant', v_grant, 'stream', v_stream);
end
$$;
comment on function public.resolve_events_request(text, text, text) is
  'Service role only. {grant: resolve_api_key(p_key_hash), stream: the org''s stream p_stream, created with p_event_type when missing, or null (no events:write, blocked, or not in stream_ids)}; null for an unknown or revoked key.';

revoke all on function public.resolve_events_request(text, text, text) from public, anon, authenticated;
grant execute on function public.resolve_events_request(text, text, text) to service_role;
