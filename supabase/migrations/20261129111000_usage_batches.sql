-- Idempotency ledger for usage: one row per (org, idempotency key); a retry returns result.
create table public.usage_batches (
  org_id uuid not null references public.organizations (id) on delete cascade,
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
  result jsonb,
  created_at timestamptz not null default now(),
  primary key (org_id, idempotency_key)
);
comment on table public.usage_batches is
  'Usage batches already counted, by idempotency key, with the quota state returned the first time.';
create index usage_batches_created_at_idx on public.usage_batches (created_at);

revoke all on table public.usage_batches from anon, authenticated;
grant select on table public.usage_batches to authenticated;
grant all on table public.usage_batches to service_role;

alter table public.usage_batches enable row level security;
create policy "members read usage batches" on public.usage_batches
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
