-- Usage accounting: rpc/ingest_batch (anomalies + usage) and rpc/record_usage (usage only).
-- Both are one transaction, idempotent by (org, idempotency key), and cross each alert
-- threshold exactly once per period: usage_alerts' primary key picks the single winner, and
-- the usage_periods row lock serializes concurrent batches of one org.

-- Claims an idempotency key. Returns null when the key is new (the caller goes on and later
-- stores its result), or the stored result with "replayed": true. A concurrent duplicate
-- waits on the key's unique index until the first transaction commits, then replays.
create function private.claim_usage_batch(p_org_id uuid, p_idempotency_key text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if p_idempotency_key is null then
    return null;
  end if;
  insert into public.usage_batches (org_id, idempotency_key)
  values (p_org_id, p_idempotency_key)
  on conflict (org_id, idempotency_key) do nothing;
  if found then
    return null;
  end if;
  select b.result into v_result
  from public.usage_batches b
  where b.org_id = p_org_id and b.idempotency_key = p_idempotency_key;
  return coalesce(v_result, '{}'::jsonb) || jsonb_build_object('replayed', true);
end
$$;

create function private.finish_usage_batch(p_org_id uuid, p_idempotency_key text, p_result jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.usage_batches
  set result = p_result
  where org_id = p_org_id and idempotency_key = p_idempotency_key
$$;

-- Adds events and anomalies to the current period and today, records threshold crossings
-- (alert row, outbox email, audit entry, once per period each) and returns the quota state
-- with "crossed".
create function private.count_usage(p_org_id uuid, p_events bigint, p_anomalies bigint)
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
    raise exception 'organization % not found', p_org_id using errcode = 'P0002';
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

revoke all on function private.claim_usage_batch(uuid, text) from public;
revoke all on function private.finish_usage_batch(uuid, text, jsonb) from public;
revoke all on function private.count_usage(uuid, bigint, bigint) from public;

-- POST /usage: usage without anomaly rows.
create function public.record_usage(p_org_id uuid, p_idempotency_key text, p_events integer, p_anomalies integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
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
comment on function public.record_usage(uuid, text, integer, integer) is
  'Service role only. Adds p_events scored and p_anomalies detected to the org''s current period, idempotent by p_idempotency_key; returns the quota state (see supabase/README.md).';

-- POST /events: stores a batch's anomalies and counts usage, in one transaction.
create function public.ingest_batch(p_org_id uuid, p_stream_id uuid, p_idempotency_key text,
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
      using errcode = 'P0002';
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
comment on function public.ingest_batch(uuid, uuid, text, integer, jsonb) is
  'Service role only. Inserts a scored batch''s anomalies and counts usage atomically, idempotent by p_idempotency_key; returns the quota state with anomaly_ids (see supabase/README.md).';

-- GET /usage: the current period for members of the org (user JWT) and the service role.
-- Security invoker: the caller's role decides; alerts and daily rows are read under RLS.
create function public.quota_state(p_org_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_state jsonb;
  v_start timestamptz;
  v_end timestamptz;
begin
  if not private.is_org_member(p_org_id)
     and not exists (select 1 from pg_catalog.pg_roles r
                     where r.rolname = current_user and (r.rolbypassrls or r.rolsuper)) then
    raise exception 'not a member of organization %', p_org_id using errcode = '42501';
  end if;
  v_state := private.quota_summary(p_org_id);
  v_start := (v_state ->> 'period_start')::timestamptz;
  v_end := (v_state ->> 'period_end')::timestamptz;
  return jsonb_build_object(
    'period_start', v_state -> 'period_start',
    'period_end', v_state -> 'period_end',
    'plan', v_state -> 'plan',
    'included', v_state -> 'included',
    'events_scored', v_state -> 'events_scored',
    'anomalies_detected', v_state -> 'used',
    'remaining', v_state -> 'remaining',
    'percent_used', round(100.0 * (v_state ->> 'used')::numeric / (v_state ->> 'included')::numeric, 2),
    'thresholds', '[70, 90, 100, 120]'::jsonb,
    'alerts_sent', coalesce((
      select jsonb_agg(jsonb_build_object('threshold', a.threshold, 'sent_at', a.sent_at) order by a.threshold)
      from public.usage_alerts a
      where a.org_id = p_org_id and a.period_start = v_start), '[]'::jsonb),
    'soft_cap_passed', v_state -> 'soft_cap_passed',
    'blocked', v_state -> 'blocked',
    'daily', coalesce((
      select jsonb_agg(jsonb_build_object('day', d.day, 'events', d.events, 'anomalies', d.anomalies) order by d.day)
      from public.usage_daily d
      where d.org_id = p_org_id
        and d.day >= (v_start at time zone 'UTC')::date
        and d.day < (v_end at time zone 'UTC')::date), '[]'::jsonb)
  );
end
$$;
comment on function public.quota_state(uuid) is
  'Current-period usage for GET /usage. Members of the org (user JWT) and the service role; anyone else gets 42501.';

revoke all on function public.record_usage(uuid, text, integer, integer) from public, anon, authenticated;
revoke all on function public.ingest_batch(uuid, uuid, text, integer, jsonb) from public, anon, authenticated;
revoke all on function public.quota_state(uuid) from public, anon;
grant execute on function public.record_usage(uuid, text, integer, integer) to service_role;
grant execute on function public.ingest_batch(uuid, uuid, text, integer, jsonb) to service_role;
grant execute on function public.quota_state(uuid) to authenticated, service_role;
