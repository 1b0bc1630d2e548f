-- Streams: one detector baseline each, with its settings. The (id, org_id) unique key lets
-- anomalies reference a stream of their own org only.
create table public.streams (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  event_type text not null default 'log' check (event_type in ('log', 'metric', 'trace', 'llm', 'json')),
  compressor text not null default 'zstd' check (compressor in ('zstd', 'deflate')),
  sensitivity numeric(4, 3) not null default 0.5 check (sensitivity between 0 and 1),
  baseline_size integer not null default 400 check (baseline_size between 16 and 100000),
  window_size integer not null default 50 check (window_size between 1 and 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name),
  unique (id, org_id)
);
comment on table public.streams is
  'An event stream of an organization and its detector settings: sensitivity 0..1 (0.5 default), baseline and window sizes in events, compressor.';

create function private.touch_updated_at()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.touch_updated_at() from public;

create trigger streams_touch_updated_at
  before update on public.streams
  for each row execute function private.touch_updated_at();

-- Members read; owner/admin/member create and tune streams; owner/admin delete; viewers never write.
revoke all on table public.streams from anon, authenticated;
grant select, delete on table public.streams to authenticated;
grant insert (org_id, name, event_type, compressor, sensitivity, baseline_size, window_size)
  on table public.streams to authenticated;
grant update (name, event_type, compressor, sensitivity, baseline_size, window_size)
  on table public.streams to authenticated;
grant all on table public.streams to service_role;

alter table public.streams enable row level security;
create policy "members read streams" on public.streams
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
create policy "writers create streams" on public.streams
  for insert to authenticated
  with check (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])));
create policy "writers update streams" on public.streams
  for update to authenticated
  using (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])))
  with check (org_id in (select private.user_org_ids(array['owner', 'admin', 'member'])));
create policy "owners and admins delete streams" on public.streams
  for delete to authenticated
  using (org_id in (select private.user_org_ids(array['owner', 'admin'])));
