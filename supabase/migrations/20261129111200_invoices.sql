-- Invoices mirrored from Stripe webhooks. last_event_created guards against late events.
create table public.invoices (
  id text primary key,
  org_id uuid references public.organizations (id) on delete cascade,
  stripe_customer_id text,
  stripe_subscription_id text,
  number text,
  status text,
  amount_due bigint not null default 0,
  amount_paid bigint not null default 0,
  currency text not null default 'usd',
  hosted_invoice_url text,
  period_start timestamptz,
  period_end timestamptz,
  created timestamptz,
  last_event_created bigint,
  updated_at timestamptz not null default now()
);
comment on table public.invoices is
  'Stripe invoices (id = Stripe invoice id, amounts in the currency''s minor unit), from invoice.* webhooks.';
create index invoices_org_created_idx on public.invoices (org_id, created desc);

-- Members see their org's invoices (GET /subscription); only the service role writes.
revoke all on table public.invoices from anon, authenticated;
grant select on table public.invoices to authenticated;
grant all on table public.invoices to service_role;

alter table public.invoices enable row level security;
create policy "members read invoices" on public.invoices
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
