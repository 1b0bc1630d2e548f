-- Anomaly status workflow over RPC. Security invoker: RLS decides who may see and change the
-- anomaly (viewers may not); the anomalies_status_guard trigger decides which moves are
-- allowed (SQLSTATE 22023 "cannot move anomaly from X to Y") and the history trigger records it.
create function public.transition_anomaly(p_anomaly_id uuid, p_status text, p_note text default null,
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
    raise exception 'anomaly % not found', p_anomaly_id using errcode = 'P0002';
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
    raise exception 'anomaly % not found', p_anomaly_id using errcode = 'P0002';
  end if;
  return to_jsonb(v_new);
end
$$;
comment on function public.transition_anomaly(uuid, text, text, uuid) is
  'Moves an anomaly along the status workflow and records history. 22023 = transition not allowed, P0002 = not found, 42501 = viewer.';

revoke all on function public.transition_anomaly(uuid, text, text, uuid) from public, anon;
grant execute on function public.transition_anomaly(uuid, text, text, uuid) to authenticated, service_role;
