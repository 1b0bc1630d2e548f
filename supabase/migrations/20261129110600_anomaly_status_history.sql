-- Every status change of an anomaly, written by a trigger (so PATCH and RPC both record it).
-- The note comes from the transaction setting driftlock.status_note (rpc/transition_anomaly).
create table public.anomaly_status_history (
  id bigint generated always as identity primary key,
  anomaly_id uuid not null references public.anomalies (id) on delete cascade,
  org_id uuid not null references public.organizations (id) on delete cascade,
  from_status text not null,
  to_status text not null,
  changed_by uuid references auth.users (id) on delete set null,
  note text check (char_length(note) <= 2000),
  changed_at timestamptz not null default now()
);
comment on table public.anomaly_status_history is
  'Audit trail of anomaly status changes; written only by the anomalies_status_history trigger.';
create index anomaly_status_history_anomaly_idx on public.anomaly_status_history (anomaly_id, changed_at);
create index anomaly_status_history_org_idx on public.anomaly_status_history (org_id);
create index anomaly_status_history_changed_by_idx on public.anomaly_status_history (changed_by);

create function private.anomalies_record_status_history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.anomaly_status_history (anomaly_id, org_id, from_status, to_status, changed_by, note, changed_at)
  values (new.id, new.org_id, old.status, new.status, new.status_changed_by,
          nullif(current_setting('driftlock.status_note', true), ''), coalesce(new.status_changed_at, now()));
  return null;
end
$$;
revoke all on function private.anomalies_record_status_history() from public;

create trigger anomalies_status_history
  after update of status on public.anomalies
  for each row
  when (old.status is distinct from new.status)
  execute function private.anomalies_record_status_history();

-- Members read the history of their org's anomalies; nobody writes it but the trigger.
revoke all on table public.anomaly_status_history from anon, authenticated;
grant select on table public.anomaly_status_history to authenticated;
grant all on table public.anomaly_status_history to service_role;

alter table public.anomaly_status_history enable row level security;
create policy "members read anomaly history" on public.anomaly_status_history
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
