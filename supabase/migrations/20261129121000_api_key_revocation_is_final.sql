-- A revoked key stays revoked: owners/admins may PATCH revoked_at, and nothing stopped them
-- from setting it back to null. Revocation is now final (SQLSTATE 22023, HTTP 400); issue a
-- new key instead.
create function private.api_keys_revocation_final()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
    raise exception 'API key % was revoked at %; revocation is final, create a new key', old.id, old.revoked_at
      using errcode = '22023';
  end if;
  return new;
end
$$;
revoke all on function private.api_keys_revocation_final() from public;

create trigger api_keys_revocation_final
  before update of revoked_at on public.api_keys
  for each row execute function private.api_keys_revocation_final();
