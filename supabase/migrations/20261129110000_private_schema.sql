-- Schema for helper functions: PostgREST exposes only `public`, so nothing here is callable
-- over HTTP. Policies call these helpers, so the API roles need usage (not create).
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;
