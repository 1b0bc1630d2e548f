-- GET /metrics: an organization's unresolved anomalies (open or acknowledged) counted by stream,
-- severity and status, for a Prometheus scrape. Unresolved ones only: a scrape every few seconds
-- must not count an organization's whole history, and what is still unresolved is what alerts.
-- Security invoker, like quota_state: members (user JWT, rows read under RLS) and the service
-- role; anyone else gets 42501.
create function public.anomaly_counts(p_org_id uuid)
returns table (stream text, severity text, status text, anomalies bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if not private.is_org_member(p_org_id)
     and not exists (select 1 from pg_catalog.pg_roles r
                     where r.rolname = current_user and (r.rolbypassrls or r.rolsuper)) then
    raise exception 'not a member of organization %', p_org_id using errcode = '42501';
  end if;
  return query
    select s.name, a.severity, a.status, count(*)
    from public.anomalies a
    join public.streams s on s.id = a.stream_id and s.org_id = a.org_id
    where a.org_id = p_org_id and a.status in ('open', 'acknowledged')
    group by s.name, a.severity, a.status
    order by s.name, a.severity, a.status;
end
$$;
comment on function public.anomaly_counts(uuid) is
  'Unresolved (open, acknowledged) anomalies of an organization by stream, severity and status, for GET /metrics. Members of the org (user JWT) and the service role; anyone else gets 42501.';

revoke all on function public.anomaly_counts(uuid) from public, anon;
grant execute on function public.anomaly_counts(uuid) to authenticated, service_role;
