-- POST /usage: an idempotency key names one request. A retry with the same figures replays the
-- first answer; the same key with other figures is refused with SQLSTATE DL422 (the Worker
-- answers 422 idempotency_key_reused) instead of answering "replayed" while the new figures are
-- never counted. Rows written before this migration (request null) replay by key alone.
alter table public.usage_batches add column request jsonb;
comment on column public.usage_batches.request is
  'The figures record_usage was first called with under this key ({"events", "anomalies"}); null for ingest_batch and for rows written before it was kept.';

create or replace function public.record_usage(p_org_id uuid, p_idempotency_key text, p_events integer, p_anomalies integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_request jsonb := jsonb_build_object('events', coalesce(p_events, 0), 'anomalies', coalesce(p_anomalies, 0));
begin
  if not exists (select 1 from public.organizations o where o.id = p_org_id) then
    raise exception 'organization % not found', p_org_id using errcode = 'PT404';
  end if;
  v_result := private.claim_usage_batch(p_org_id, p_idempotency_key);
  if v_result is not null then
    if exists (select 1 from public.usage_batches b
               where b.org_id = p_org_id and b.idempotency_key = p_idempotency_key
                 and b.request is not null and b.request <> v_request) then
      raise exception 'idempotency key % was already used with other figures', p_idempotency_key
        using errcode = 'DL422';
    end if;
    return v_result;
  end if;
  v_result := private.count_usage(p_org_id, coalesce(p_events, 0), coalesce(p_anomalies, 0))
    || jsonb_build_object('anomaly_ids', '[]'::jsonb, 'replayed', false);
  if p_idempotency_key is not null then
    perform private.finish_usage_batch(p_org_id, p_idempotency_key, v_result);
    update public.usage_batches set request = v_request
    where org_id = p_org_id and idempotency_key = p_idempotency_key;
  end if;
  return v_result;
end
$$;
comment on function public.record_usage(uuid, text, integer, integer) is
  'Service role only. Counts usage without anomaly rows (POST /usage), idempotent by key: the same figures replay, other figures under a used key raise DL422; PT404 for an unknown org.';
