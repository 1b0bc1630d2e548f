-- Outbox of notifications (emails) written in the same transaction as the fact they report;
-- a sender (the Worker's cron) delivers them with retries. dedupe_key makes each fact one row.
create table public.notification_outbox (
  id uuid primary key default gen_random_uuid(),
  org_id uuid references public.organizations (id) on delete cascade,
  kind text not null,
  recipient text,
  subject text not null,
  body text not null,
  dedupe_key text not null unique,
  attempts integer not null default 0 check (attempts >= 0),
  last_error text,
  next_attempt_at timestamptz not null default now(),
  delivered_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.notification_outbox is
  'Notifications to send. recipient = comma-separated owner emails (null when the org has none). Pending = delivered_at is null and next_attempt_at <= now(). Service role only.';
create index notification_outbox_pending_idx on public.notification_outbox (next_attempt_at)
  where delivered_at is null;
create index notification_outbox_org_id_idx on public.notification_outbox (org_id);

revoke all on table public.notification_outbox from anon, authenticated;
grant all on table public.notification_outbox to service_role;

alter table public.notification_outbox enable row level security;
