-- Plans: prices and quotas live in rows, not code. Reference data, so the rows ship with the
-- migration; stripe_price_id is filled per environment (seed.sql locally, dashboard in prod).
create table public.plans (
  id text primary key check (id ~ '^[a-z][a-z0-9_-]{1,31}$'),
  name text not null,
  price_cents integer not null check (price_cents >= 0),
  included_detections bigint not null check (included_detections > 0),
  overage_cents_per_detection numeric(12, 4) check (overage_cents_per_detection >= 0),
  stripe_price_id text unique,
  blocks_at_limit boolean not null default false,
  created_at timestamptz not null default now()
);
comment on table public.plans is
  'Billing plans. included_detections is per billing period; blocks_at_limit = requests are refused at 100% (free plan); overage is billed per detection beyond the included amount.';

insert into public.plans (id, name, price_cents, included_detections, overage_cents_per_detection, blocks_at_limit)
values
  ('developer', 'Developer', 0, 1000, null, true),
  ('standard', 'Standard', 4900, 50000, 0.1, false),
  ('growth', 'Growth', 24900, 500000, 0.05, false);

-- Plans are public knowledge to signed-in users; never writable by clients; anon sees nothing.
revoke all on table public.plans from anon, authenticated;
grant select on table public.plans to authenticated;
grant all on table public.plans to service_role;

alter table public.plans enable row level security;
create policy "signed-in users read plans" on public.plans
  for select to authenticated using (true);
