-- Free quota farming: every new organization starts on the developer (free) plan with its own
-- included detections, so one user could create organizations without end. A user who already
-- owns 3 organizations on the developer plan now gets P0001 (HTTP 400) instead of a fourth.
-- Organizations on a paid plan, and organizations the user belongs to as admin, member or
-- viewer, do not count. Same signature and return shape as before.
create or replace function public.create_org_with_owner(p_name text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_org public.organizations;
  v_free_owned integer;
begin
  if v_uid is null then
    raise exception 'sign in to create an organization' using errcode = '42501';
  end if;
  -- Two concurrent calls by the same user must not both see 2 free organizations and both
  -- create a third. Locking the user's owner rows would not do: a row inserted by the other
  -- call is not among the rows locked, so both counts would still be 2. A transaction-level
  -- advisory lock per user (the two-key form, first key = this function, so it shares no key
  -- with other advisory locks) serializes only this user's calls; the count below runs after
  -- the lock is granted, so under read committed (PostgREST's default) it sees the other
  -- call's committed organization. Released at commit or rollback.
  perform pg_advisory_xact_lock(hashtext('public.create_org_with_owner'), hashtext(v_uid::text));
  select count(*) into v_free_owned
  from public.organization_members m
  join public.organizations o on o.id = m.org_id
  where m.user_id = v_uid
    and m.role = 'owner'
    and o.plan_id = 'developer';
  if v_free_owned >= 3 then
    raise exception 'you already own 3 organizations on the free Developer plan; upgrade one of them or ask to be invited to an existing one'
      using errcode = 'P0001',
            hint = 'organizations on a paid plan, and organizations you were invited to, do not count';
  end if;
  insert into public.organizations (name) values (p_name) returning * into v_org;
  insert into public.organization_members (org_id, user_id, role) values (v_org.id, v_uid, 'owner');
  return jsonb_build_object('id', v_org.id, 'name', v_org.name, 'plan_id', v_org.plan_id,
                            'stop_at_soft_cap', v_org.stop_at_soft_cap, 'role', 'owner',
                            'created_at', v_org.created_at);
end
$$;
comment on function public.create_org_with_owner(text) is
  'Signed-in users: creates an organization on the developer plan with the caller as owner. P0001 (HTTP 400) when the caller already owns 3 developer-plan organizations; 42501 when not signed in.';

revoke all on function public.create_org_with_owner(text) from public, anon;
grant execute on function public.create_org_with_owner(text) to authenticated;
