-- ingest_batch: a JSON null for metadata, metrics or novel_spans (what a client serializing an
-- empty Option sends) now means "none" instead of failing the object/array check with 23514.
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
           coalesce(nullif(i.a -> 'metadata', 'null'::jsonb), '{}'::jsonb),
           coalesce(nullif(i.a -> 'metrics', 'null'::jsonb), '{}'::jsonb),
           (i.a ->> 'p_value')::double precision,
           (i.a ->> 'score')::double precision,
           i.a ->> 'severity',
           coalesce(nullif(i.a -> 'novel_spans', 'null'::jsonb), '[]'::jsonb),
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
