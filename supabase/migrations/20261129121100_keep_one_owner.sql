-- An organization keeps at least one owner: a client (user JWT) cannot remove or demote the
-- last one, or nobody could manage billing, keys or members again. Security invoker on
-- purpose: deletes cascading from organizations or auth.users run as the table owner and are
-- not blocked; only the API roles are checked.
create function private.keep_one_owner()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if current_user in ('authenticated', 'anon')
     and old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and not exists (
       select 1 from public.organization_members m
       where m.org_id = old.org_id and m.role = 'owner' and m.user_id <> old.user_id
     ) then
    raise exception 'organization % must keep at least one owner', old.org_id using errcode = '22023';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
revoke all on function private.keep_one_owner() from public;
grant execute on function private.keep_one_owner() to authenticated, service_role;

create trigger organization_members_keep_one_owner
  before update of role or delete on public.organization_members
  for each row execute function private.keep_one_owner();
