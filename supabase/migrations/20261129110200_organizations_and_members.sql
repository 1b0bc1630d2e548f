-- Tenancy: organizations, their members, and the helpers every policy uses to ask "is the
-- current user in this org, with one of these roles?". The two tables and the helpers are one
-- change: each depends on the others.

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  plan_id text not null default 'developer' references public.plans (id),
  stop_at_soft_cap boolean not null default false,
  stripe_customer_id text unique,
  created_at timestamptz not null default now()
);
comment on table public.organizations is
  'A tenant. plan_id is maintained from Stripe subscription events; stop_at_soft_cap = refuse detections past 120% of the included amount on paid plans.';
create index organizations_plan_id_idx on public.organizations (plan_id);

create table public.organization_members (
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
comment on table public.organization_members is
  'Who belongs to which organization. owner/admin manage members, keys and billing; member writes anomalies and streams; viewer only reads.';
create index organization_members_user_id_idx on public.organization_members (user_id);

-- Organizations the current user belongs to, optionally limited to some roles. Security
-- definer so policies on organization_members itself do not recurse.
create function private.user_org_ids(p_roles text[] default null)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id
  from public.organization_members m
  where m.user_id = (select auth.uid())
    and (p_roles is null or m.role = any (p_roles))
$$;
comment on function private.user_org_ids(text[]) is
  'Org ids of the current JWT user, optionally only where their role is one of p_roles. For policies: org_id in (select private.user_org_ids(...)).';

create function private.is_org_member(p_org_id uuid, p_roles text[] default null)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.organization_members m
    where m.org_id = p_org_id
      and m.user_id = (select auth.uid())
      and (p_roles is null or m.role = any (p_roles))
  )
$$;
comment on function private.is_org_member(uuid, text[]) is
  'True when the current JWT user is a member of p_org_id (with one of p_roles when given).';

revoke all on function private.user_org_ids(text[]) from public;
revoke all on function private.is_org_member(uuid, text[]) from public;
grant execute on function private.user_org_ids(text[]) to authenticated, service_role;
grant execute on function private.is_org_member(uuid, text[]) to authenticated, service_role;

-- organizations: members read; owner/admin may rename and choose the soft-cap behaviour.
-- Creation goes through rpc/create_org_with_owner; plan and Stripe ids only change from Stripe.
revoke all on table public.organizations from anon, authenticated;
grant select on table public.organizations to authenticated;
grant update (name, stop_at_soft_cap) on table public.organizations to authenticated;
grant all on table public.organizations to service_role;

alter table public.organizations enable row level security;
create policy "members read their organizations" on public.organizations
  for select to authenticated
  using (id in (select private.user_org_ids()));
create policy "owners and admins update their organization" on public.organizations
  for update to authenticated
  using (id in (select private.user_org_ids(array['owner', 'admin'])))
  with check (id in (select private.user_org_ids(array['owner', 'admin'])));

-- organization_members: members see who else is in their org; owner/admin manage members,
-- but only an owner may create, change or remove an owner.
revoke all on table public.organization_members from anon, authenticated;
grant select, delete on table public.organization_members to authenticated;
grant insert (org_id, user_id, role) on table public.organization_members to authenticated;
grant update (role) on table public.organization_members to authenticated;
grant all on table public.organization_members to service_role;

alter table public.organization_members enable row level security;
create policy "members read their organization's members" on public.organization_members
  for select to authenticated
  using (org_id in (select private.user_org_ids()));
create policy "owners and admins add members" on public.organization_members
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids(array['owner', 'admin']))
    and (role <> 'owner' or org_id in (select private.user_org_ids(array['owner'])))
  );
create policy "owners and admins change members" on public.organization_members
  for update to authenticated
  using (
    org_id in (select private.user_org_ids(array['owner', 'admin']))
    and (role <> 'owner' or org_id in (select private.user_org_ids(array['owner'])))
  )
  with check (
    org_id in (select private.user_org_ids(array['owner', 'admin']))
    and (role <> 'owner' or org_id in (select private.user_org_ids(array['owner'])))
  );
create policy "owners and admins remove members" on public.organization_members
  for delete to authenticated
  using (
    org_id in (select private.user_org_ids(array['owner', 'admin']))
    and (role <> 'owner' or org_id in (select private.user_org_ids(array['owner'])))
  );
