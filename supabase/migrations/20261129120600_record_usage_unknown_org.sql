-- record_usage for an unknown org failed with a foreign-key error (23503) from the
-- idempotency ledger; answer "not found" (P0002, PostgREST 404) like ingest_batch does.
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
    raise exception 'organization % not found', p_org_id using errcode = 'P0002';
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
