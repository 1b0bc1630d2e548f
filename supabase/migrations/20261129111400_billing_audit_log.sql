-- Append-only record of every billing action (quota crossings, Stripe changes). Service role only.
create table public.billing_audit_log (
  id bigint generated always as identity primary key,
  org_id uuid references public.organizations (id) on delete cascade,
  actor text not null,
  action text not null,
  details jsonb not null default '{}',
  at timestamptz not null default now()
);
comment on table public.billing_audit_log is
  'Billing audit trail: actor (stripe, system, user:<uuid>), action, details. Not readable by any client role.';
create index billing_audit_log_org_at_idx on public.billing_audit_log (org_id, at desc);

revoke all on table public.billing_audit_log from anon, authenticated;
grant all on table public.billing_audit_log to service_role;

alter table public.billing_audit_log enable row level security;
