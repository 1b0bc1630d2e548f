-- Signup: a signed-in user creates an organization and becomes its owner.
create function public.create_org_with_owner(p_name text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_org public.organizations;
begin
  if v_uid is null then
    raise exception 'sign in to create an organization' using errcode = '42501';
  end if;
  insert into public.organizations (name) values (p_name) returning * into v_org;
  insert into public.organization_members (org_id, user_id, role) values (v_org.id, v_uid, 'owner');
  return jsonb_build_object('id', v_org.id, 'name', v_org.name, 'plan_id', v_org.plan_id,
                            'stop_at_soft_cap', v_org.stop_at_soft_cap, 'role', 'owner',
                            'created_at', v_org.created_at);
end
$$;
comment on function public.create_org_with_owner(text) is
  'Signed-in users: creates an organization on the developer plan with the caller as owner.';

revoke all on function public.create_org_with_owner(text) from public, anon;
grant execute on function public.create_org_with_owner(text) to authenticated;
