-- Anomalies: what the detector flagged, with the evidence, and a status workflow enforced by
-- a trigger so that no path (RPC, PostgREST PATCH, service role) can make an invalid move.
create table public.anomalies (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  org_id uuid not null references public.organizations (id) on delete cascade,
  stream_id uuid not null,
  event_type text not null check (event_type in ('log', 'metric', 'trace', 'llm', 'json')),
  event_excerpt text not null default '' check (char_length(event_excerpt) <= 4096),
  metadata jsonb not null default '{}'
    check (jsonb_typeof(metadata) = 'object' and octet_length(metadata::text) <= 8192),
  metrics jsonb not null default '{}'
    check (jsonb_typeof(metrics) = 'object' and octet_length(metrics::text) <= 8192),
  p_value double precision check (p_value >= 0 and p_value <= 1),
  score double precision,
  severity text not null check (severity in ('low', 'medium', 'high')),
  novel_spans jsonb not null default '[]'
    check (jsonb_typeof(novel_spans) = 'array' and octet_length(novel_spans::text) <= 16384),
  explanation text not null default '' check (char_length(explanation) <= 4096),
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved', 'dismissed')),
  status_changed_by uuid references auth.users (id) on delete set null,
  status_changed_at timestamptz,
  detected_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  foreign key (stream_id, org_id) references public.streams (id, org_id) on delete cascade
);
comment on table public.anomalies is
  'Detected anomalies. seq orders them for cursors and SSE (Last-Event-ID). event_excerpt <= 4096 chars, metadata and metrics <= 8 KiB of JSON each. status moves only along allowed transitions (trigger anomalies_status_guard).';
create index anomalies_org_seq_idx on public.anomalies (org_id, seq desc);
create index anomalies_org_stream_detected_idx on public.anomalies (org_id, stream_id, detected_at desc);
create index anomalies_stream_org_idx on public.anomalies (stream_id, org_id);
create index anomalies_org_status_idx on public.anomalies (org_id, status);
create index anomalies_status_changed_by_idx on public.anomalies (status_changed_by);

-- Allowed moves: open -> acknowledged|resolved|dismissed; acknowledged -> resolved|dismissed|open;
-- resolved -> open; dismissed -> open. Anything else: SQLSTATE 22023 with a readable message.
create function private.anomaly_transition_allowed(p_from text, p_to text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select (p_from, p_to) in (
    ('open', 'acknowledged'), ('open', 'resolved'), ('open', 'dismissed'),
    ('acknowledged', 'resolved'), ('acknowledged', 'dismissed'), ('acknowledged', 'open'),
    ('resolved', 'open'), ('dismissed', 'open')
  )
$$;
revoke all on function private.anomaly_transition_allowed(text, text) from public;
grant execute on function private.anomaly_transition_allowed(text, text) to authenticated, service_role;

create function private.anomalies_status_guard()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not private.anomaly_transition_allowed(old.status, new.status) then
      raise exception 'cannot move anomaly from % to %', old.status, new.status
        using errcode = '22023',
              hint = 'allowed: open -> acknowledged|resolved|dismissed, acknowledged -> resolved|dismissed|open, resolved -> open, dismissed -> open';
    end if;
    new.status_changed_at := now();
    new.status_changed_by := coalesce(
      (select auth.uid()),
      nullif(current_setting('driftlock.actor', true), '')::uuid
    );
  end if;
  return new;
end
$$;
revoke all on function private.anomalies_status_guard() from public;

create trigger anomalies_status_guard
  before update of status on public.anomalies
  for each row execute function private.anomalies_status_guard();

-- Members read; owner/admin/member record anomalies by hand and change status; viewers never
-- write; nobody but the service role deletes. Only status is updatable by clients.
revoke all on table public.anomalies from anon, authenticated;
grant select on table public.anomalies to authenticated;
grant insert (org_id, stream_id, event_type, event_excerpt, metadata, metrics, p_value, score,
              severity, novel_spans, explanation, detected_at)
  on table public.anomalies to authenticated;
grant update (status) on table public.anomalies to authenticated;
grant all on table public.anomalies to service_role;

alter table public.anomalies enable row level security;
create policy "members read anomalies" on public.anomalies
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
create policy "writers record anomalies" on public.anomalies
  for insert to authenticated
  with check (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])));
create policy "writers change anomaly status" on public.anomalies
  for update to authenticated
  using (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])))
  with check (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])));
