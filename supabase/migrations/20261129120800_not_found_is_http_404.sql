-- "Not found" answered as HTTP 404: PostgREST turns SQLSTATE P0002 into a 500, which the
-- Worker would take for an outage. PostgREST maps the custom SQLSTATE PTxyz to HTTP status
-- xyz, so every "not found" we raise is now PT404 (same messages). Bodies are unchanged
-- otherwise; create or replace keeps their grants.

create or replace function private.quota_summary(p_org_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_plan_id text;
  v_included bigint;
  v_blocks boolean;
  v_stop boolean;
  v_period record;
  v_used bigint;
  v_events bigint;
begin
  select p.id, p.included_detections, p.blocks_at_limit, o.stop_at_soft_cap
    into v_plan_id, v_included, v_blocks, v_stop
  from public.organizations o
  join public.plans p on p.id = o.plan_id
  where o.id = p_org_id;
  if not found then
    raise exception 'organization % not found', p_org_id using errcode = 'PT404';
  end if;
  select * into v_period from private.billing_period(p_org_id);
  select u.anomalies_detected, u.events_scored
    into v_used, v_events
  from public.usage_periods u
  where u.org_id = p_org_id and u.period_start = v_period.period_start;
  v_used := coalesce(v_used, 0);
  v_events := coalesce(v_events, 0);
  return jsonb_build_object(
    'plan', v_plan_id,
    'included', v_included,
    'used', v_used,
    'events_scored', v_events,
    'remaining', greatest(v_included - v_used, 0),
    'period_start', v_period.period_start,
    'period_end', v_period.period_end,
    'soft_cap_passed', v_used * 100 >= v_included * 120,
    'blocked', case
      when v_blocks then v_used >= v_included
      else v_stop and v_used * 100 >= v_included * 120
    end
  );
end
$$;

create or replace function private.count_usage(p_org_id uuid, p_events bigint, p_anomalies bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period record;
  v_included bigint;
  v_plan text;
  v_used bigint;
  v_crossed integer[];
  v_threshold integer;
  v_state jsonb;
begin
  if p_events < 0 or p_anomalies < 0 then
    raise exception 'usage must not be negative (events %, anomalies %)', p_events, p_anomalies
      using errcode = '22023';
  end if;
  select o.plan_id, p.included_detections into v_plan, v_included
  from public.organizations o join public.plans p on p.id = o.plan_id
  where o.id = p_org_id;
  if not found then
    raise exception 'organization % not found', p_org_id using errcode = 'PT404';
  end if;
  select * into v_period from private.billing_period(p_org_id);

  insert into public.usage_periods as u (org_id, period_start, period_end, events_scored, anomalies_detected)
  values (p_org_id, v_period.period_start, v_period.period_end, p_events, p_anomalies)
  on conflict (org_id, period_start) do update
    set events_scored = u.events_scored + excluded.events_scored,
        anomalies_detected = u.anomalies_detected + excluded.anomalies_detected,
        period_end = excluded.period_end,
        updated_at = now()
  returning u.anomalies_detected into v_used;

  insert into public.usage_daily as d (org_id, day, events, anomalies)
  values (p_org_id, (now() at time zone 'UTC')::date, p_events, p_anomalies)
  on conflict (org_id, day) do update
    set events = d.events + excluded.events,
        anomalies = d.anomalies + excluded.anomalies;

  with reached as (
    select t from unnest(array[70, 90, 100, 120]) as t
    where v_used * 100 >= v_included * t
  ), inserted as (
    insert into public.usage_alerts (org_id, period_start, threshold, used, included)
    select p_org_id, v_period.period_start, r.t, v_used, v_included from reached r
    on conflict (org_id, period_start, threshold) do nothing
    returning threshold
  )
  select coalesce(array_agg(i.threshold order by i.threshold), '{}') into v_crossed from inserted i;

  foreach v_threshold in array v_crossed loop
    insert into public.notification_outbox (org_id, kind, recipient, subject, body, dedupe_key)
    values (
      p_org_id,
      'usage_alert',
      private.org_owner_emails(p_org_id),
      case when v_threshold = 120
        then 'DriftLock: soft cap passed (120% of included anomaly detections)'
        else format('DriftLock: %s%% of your included anomaly detections used', v_threshold)
      end,
      format('Your organization has used %s of %s anomaly detections included in the %s plan for the period %s to %s.',
             v_used, v_included, v_plan, v_period.period_start, v_period.period_end),
      format('usage_alert:%s:%s:%s', p_org_id, extract(epoch from v_period.period_start)::bigint, v_threshold)
    )
    on conflict (dedupe_key) do nothing;
    insert into public.billing_audit_log (org_id, actor, action, details)
    values (p_org_id, 'system', 'usage.threshold_crossed',
            jsonb_build_object('threshold', v_threshold, 'used', v_used, 'included', v_included,
                               'plan', v_plan, 'period_start', v_period.period_start));
  end loop;

  v_state := private.quota_summary(p_org_id);
  return jsonb_build_object(
    'plan', v_state -> 'plan',
    'included', v_state -> 'included',
    'used', v_state -> 'used',
    'remaining', v_state -> 'remaining',
    'period_start', v_state -> 'period_start',
    'period_end', v_state -> 'period_end',
    'crossed', to_jsonb(v_crossed),
    'soft_cap_passed', v_state -> 'soft_cap_passed',
    'blocked', v_state -> 'blocked'
  );
end
$$;

create or replace function public.ingest_batch(p_org_id uuid, p_stream_id uuid, p_idempotency_key text,
                                    p_events integer, p_anomalies jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_ids jsonb;
  v_count integer;
begin
  p_anomalies := coalesce(p_anomalies, '[]'::jsonb);
  if jsonb_typeof(p_anomalies) <> 'array' then
    raise exception 'p_anomalies must be a JSON array, got %', jsonb_typeof(p_anomalies)
      using errcode = '22023';
  end if;
  if not exists (select 1 from public.streams s where s.id = p_stream_id and s.org_id = p_org_id) then
    raise exception 'stream % not found in organization %', p_stream_id, p_org_id
      using errcode = 'PT404';
  end if;
  v_result := private.claim_usage_batch(p_org_id, p_idempotency_key);
  if v_result is not null then
    return v_result;
  end if;

  with input as (
    select gen_random_uuid() as id, e.value as a, e.ordinality as n
    from jsonb_array_elements(p_anomalies) with ordinality as e
  ), inserted as (
    insert into public.anomalies (id, org_id, stream_id, event_type, event_excerpt, metadata, metrics,
                                  p_value, score, severity, novel_spans, explanation, detected_at)
    select i.id, p_org_id, p_stream_id,
           i.a ->> 'event_type',
           left(coalesce(i.a ->> 'event_excerpt', ''), 4096),
           coalesce(i.a -> 'metadata', '{}'::jsonb),
           coalesce(i.a -> 'metrics', '{}'::jsonb),
           (i.a ->> 'p_value')::double precision,
           (i.a ->> 'score')::double precision,
           i.a ->> 'severity',
           coalesce(i.a -> 'novel_spans', '[]'::jsonb),
           left(coalesce(i.a ->> 'explanation', ''), 4096),
           coalesce((i.a ->> 'detected_at')::timestamptz, now())
    from input i
    returning id
  )
  select coalesce(jsonb_agg(i.id order by i.n), '[]'::jsonb), count(*)
    into v_ids, v_count
  from input i
  where i.id in (select ins.id from inserted ins);

  v_result := private.count_usage(p_org_id, coalesce(p_events, 0), v_count)
    || jsonb_build_object('anomaly_ids', v_ids, 'replayed', false);
  if p_idempotency_key is not null then
    perform private.finish_usage_batch(p_org_id, p_idempotency_key, v_result);
  end if;
  return v_result;
end
$$;

create or replace function public.revoke_api_key(p_key_id uuid)
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
    raise exception 'api key % not found', p_key_id using errcode = 'PT404';
  end if;
  return private.api_key_json(v_key);
end
$$;

create or replace function public.transition_anomaly(p_anomaly_id uuid, p_status text, p_note text default null,
                                          p_actor uuid default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_old public.anomalies;
  v_new public.anomalies;
  v_uid uuid := (select auth.uid());
begin
  if p_status is null or p_status not in ('open', 'acknowledged', 'resolved', 'dismissed') then
    raise exception 'unknown anomaly status "%" (expected open, acknowledged, resolved or dismissed)', p_status
      using errcode = '22023';
  end if;
  select a.* into v_old from public.anomalies a where a.id = p_anomaly_id;
  if not found then
    raise exception 'anomaly % not found', p_anomaly_id using errcode = 'PT404';
  end if;
  if v_uid is not null and not private.is_org_member(v_old.org_id, array['owner', 'admin', 'member']) then
    raise exception 'viewers cannot change anomalies' using errcode = '42501';
  end if;
  if p_actor is not null and v_uid is not null and p_actor <> v_uid then
    raise exception 'p_actor is for the service role; a user acts as themselves' using errcode = '42501';
  end if;
  if not private.anomaly_transition_allowed(v_old.status, p_status) then
    raise exception 'cannot move anomaly from % to %', v_old.status, p_status
      using errcode = '22023',
            hint = 'allowed: open -> acknowledged|resolved|dismissed, acknowledged -> resolved|dismissed|open, resolved -> open, dismissed -> open';
  end if;

  perform set_config('driftlock.status_note', coalesce(left(p_note, 2000), ''), true);
  perform set_config('driftlock.actor', coalesce(p_actor::text, ''), true);
  update public.anomalies a set status = p_status where a.id = p_anomaly_id
  returning a.* into v_new;
  perform set_config('driftlock.status_note', '', true);
  perform set_config('driftlock.actor', '', true);
  if v_new.id is null then
    raise exception 'anomaly % not found', p_anomaly_id using errcode = 'PT404';
  end if;
  return to_jsonb(v_new);
end
$$;

create or replace function public.record_usage(p_org_id uuid, p_idempotency_key text, p_events integer, p_anomalies integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if not exists (select 1 from public.organizations o where o.id = p_org_id) then
    raise exception 'organization % not found', p_org_id using errcode = 'PT404';
  end if;
  v_result := private.claim_usage_batch(p_org_id, p_idempotency_key);
  if v_result is not null then
    return v_result;
  end if;
  v_result := private.count_usage(p_org_id, coalesce(p_events, 0), coalesce(p_anomalies, 0))
    || jsonb_build_object('anomaly_ids', '[]'::jsonb, 'replayed', false);
  if p_idempotency_key is not null then
    perform private.finish_usage_batch(p_org_id, p_idempotency_key, v_result);
  end if;
  return v_result;
end
$$;

comment on function public.revoke_api_key(uuid) is
  'Owners/admins (user JWT) or the service role. Sets revoked_at; PT404 (HTTP 404) when the key is not visible to the caller.';
comment on function public.transition_anomaly(uuid, text, text, uuid) is
  'Moves an anomaly along the status workflow and records history. 22023 (HTTP 400) = transition not allowed, PT404 (HTTP 404) = not found, 42501 (HTTP 403) = viewer.';
