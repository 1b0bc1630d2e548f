-- Ledger of Stripe webhook events, recorded before acting on them: the primary key makes a
-- redelivered event a no-op. Service role only: no policy, no client grant.
create table public.stripe_events (
  id text primary key,
  type text not null,
  created bigint not null,
  org_id uuid references public.organizations (id) on delete set null,
  outcome text not null default 'received' check (outcome in ('received', 'applied', 'stale', 'ignored')),
  received_at timestamptz not null default now()
);
comment on table public.stripe_events is
  'Stripe events processed (id unique), with their outcome. Not readable by any client role.';
create index stripe_events_org_id_idx on public.stripe_events (org_id);

revoke all on table public.stripe_events from anon, authenticated;
grant all on table public.stripe_events to service_role;

alter table public.stripe_events enable row level security;
