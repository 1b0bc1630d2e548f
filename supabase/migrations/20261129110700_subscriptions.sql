-- Stripe subscriptions, mirrored from webhooks by rpc/apply_stripe_event. org_id may be null
-- for a moment when a subscription event arrives before checkout.session.completed links it.
-- last_event_created (the Stripe event's `created`) keeps late events from overwriting newer state.
create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid references public.organizations (id) on delete cascade,
  stripe_customer_id text,
  stripe_subscription_id text not null unique,
  stripe_price_id text,
  plan_id text references public.plans (id),
  status text,
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  last_event_created bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.subscriptions is
  'Mirror of Stripe subscriptions. The active one (status active/trialing/past_due) sets the org''s billing period and plan.';
create index subscriptions_org_id_idx on public.subscriptions (org_id);
create index subscriptions_customer_idx on public.subscriptions (stripe_customer_id);
create index subscriptions_plan_id_idx on public.subscriptions (plan_id);

-- Members read their org's subscription; only the service role writes (from Stripe).
revoke all on table public.subscriptions from anon, authenticated;
grant select on table public.subscriptions to authenticated;
grant all on table public.subscriptions to service_role;

alter table public.subscriptions enable row level security;
create policy "members read their subscription" on public.subscriptions
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
