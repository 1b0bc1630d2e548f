-- Tenant isolation: for every table, the owner of org A (the most privileged client) can
-- neither read nor change org B's rows with select, insert, update or delete. Org B's rows
-- are counted before and after, as the superuser, to prove nothing changed.
begin;
set local search_path = extensions, public;
select plan(76);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

-- Org B (Globex) gets a row in every table the seed leaves empty for it.
insert into public.anomaly_status_history (anomaly_id, org_id, from_status, to_status)
values ('b0000000-0000-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'open', 'acknowledged');
insert into public.subscriptions (org_id, stripe_customer_id, stripe_subscription_id, status)
values ('22222222-2222-4222-8222-222222222222', 'cus_globex', 'sub_globex', 'active');
insert into public.usage_alerts (org_id, period_start, threshold, used, included)
values ('22222222-2222-4222-8222-222222222222', '2026-01-01', 70, 700, 1000);
insert into public.invoices (id, org_id, status) values ('in_globex', '22222222-2222-4222-8222-222222222222', 'paid');
insert into public.stripe_events (id, type, created, org_id) values ('evt_globex', 'invoice.paid', 1, '22222222-2222-4222-8222-222222222222');
insert into public.billing_audit_log (org_id, actor, action) values ('22222222-2222-4222-8222-222222222222', 'stripe', 'invoice.paid');
insert into public.notification_outbox (org_id, kind, subject, body, dedupe_key)
values ('22222222-2222-4222-8222-222222222222', 'usage_alert', 'hello', 'hello', 'globex-test');

create temp table before_counts as
select 'organizations' as tbl, (select count(*) from public.organizations where id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.organizations x where id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'organization_members' as tbl, (select count(*) from public.organization_members where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.organization_members x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'api_keys' as tbl, (select count(*) from public.api_keys where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.api_keys x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'streams' as tbl, (select count(*) from public.streams where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.streams x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'anomalies' as tbl, (select count(*) from public.anomalies where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.anomalies x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'anomaly_status_history' as tbl, (select count(*) from public.anomaly_status_history where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.anomaly_status_history x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'subscriptions' as tbl, (select count(*) from public.subscriptions where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.subscriptions x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'usage_periods' as tbl, (select count(*) from public.usage_periods where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.usage_periods x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'usage_daily' as tbl, (select count(*) from public.usage_daily where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.usage_daily x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'usage_batches' as tbl, (select count(*) from public.usage_batches where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.usage_batches x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'usage_alerts' as tbl, (select count(*) from public.usage_alerts where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.usage_alerts x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'invoices' as tbl, (select count(*) from public.invoices where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.invoices x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'stripe_events' as tbl, (select count(*) from public.stripe_events where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.stripe_events x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'billing_audit_log' as tbl, (select count(*) from public.billing_audit_log where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.billing_audit_log x where org_id = '22222222-2222-4222-8222-222222222222') as digest
union all
select 'notification_outbox' as tbl, (select count(*) from public.notification_outbox where org_id = '22222222-2222-4222-8222-222222222222') as n, (select md5(string_agg(x::text, ',' order by x::text)) from public.notification_outbox x where org_id = '22222222-2222-4222-8222-222222222222') as digest;
grant select on before_counts to authenticated;

-- The test is not vacuous: the Acme owner does see Acme's own anomalies.
select tests.act_as('authenticated', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
select is(tests.attempt($$select 1 from public.anomalies where org_id = '11111111-1111-4111-8111-111111111111'$$), '5',
  'the Acme owner sees the 5 Acme anomalies');

-- organizations
select ok(tests.attempt('select 1 from public.organizations where id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of organizations');
select is(tests.attempt('insert into public.organizations (name) values (''evil corp'')'), 'denied',
  'org A owner cannot insert a row for org B into organizations');
select ok(tests.attempt('update public.organizations set name = ''pwned'' where id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of organizations');
select ok(tests.attempt('delete from public.organizations where id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of organizations');

-- organization_members
select ok(tests.attempt('select 1 from public.organization_members where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of organization_members');
select is(tests.attempt('insert into public.organization_members (org_id, user_id, role) values (''22222222-2222-4222-8222-222222222222'', ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'', ''owner'')'), 'denied',
  'org A owner cannot insert a row for org B into organization_members');
select ok(tests.attempt('update public.organization_members set role = ''viewer'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of organization_members');
select ok(tests.attempt('delete from public.organization_members where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of organization_members');

-- api_keys
select ok(tests.attempt('select 1 from public.api_keys where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of api_keys');
select is(tests.attempt('insert into public.api_keys (org_id, name, prefix, key_hash, scopes, created_by) values (''22222222-2222-4222-8222-222222222222'', ''evil'', ''dl_evil0001'', repeat(''e'', 64), ''{}'', ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'')'), 'denied',
  'org A owner cannot insert a row for org B into api_keys');
select ok(tests.attempt('update public.api_keys set revoked_at = now() where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of api_keys');
select ok(tests.attempt('delete from public.api_keys where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of api_keys');

-- streams
select ok(tests.attempt('select 1 from public.streams where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of streams');
select is(tests.attempt('insert into public.streams (org_id, name) values (''22222222-2222-4222-8222-222222222222'', ''evil-stream'')'), 'denied',
  'org A owner cannot insert a row for org B into streams');
select ok(tests.attempt('update public.streams set sensitivity = 0.01 where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of streams');
select ok(tests.attempt('delete from public.streams where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of streams');

-- anomalies
select ok(tests.attempt('select 1 from public.anomalies where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of anomalies');
select is(tests.attempt('insert into public.anomalies (org_id, stream_id, event_type, severity) values (''22222222-2222-4222-8222-222222222222'', ''44444444-4444-4444-8444-444444444441'', ''log'', ''low'')'), 'denied',
  'org A owner cannot insert a row for org B into anomalies');
select ok(tests.attempt('update public.anomalies set status = ''dismissed'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of anomalies');
select ok(tests.attempt('delete from public.anomalies where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of anomalies');

-- anomaly_status_history
select ok(tests.attempt('select 1 from public.anomaly_status_history where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of anomaly_status_history');
select is(tests.attempt('insert into public.anomaly_status_history (anomaly_id, org_id, from_status, to_status) values (''b0000000-0000-4000-8000-000000000001'', ''22222222-2222-4222-8222-222222222222'', ''open'', ''resolved'')'), 'denied',
  'org A owner cannot insert a row for org B into anomaly_status_history');
select ok(tests.attempt('update public.anomaly_status_history set note = ''pwned'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of anomaly_status_history');
select ok(tests.attempt('delete from public.anomaly_status_history where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of anomaly_status_history');

-- subscriptions
select ok(tests.attempt('select 1 from public.subscriptions where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of subscriptions');
select is(tests.attempt('insert into public.subscriptions (org_id, stripe_subscription_id) values (''22222222-2222-4222-8222-222222222222'', ''sub_evil'')'), 'denied',
  'org A owner cannot insert a row for org B into subscriptions');
select ok(tests.attempt('update public.subscriptions set status = ''canceled'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of subscriptions');
select ok(tests.attempt('delete from public.subscriptions where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of subscriptions');

-- usage_periods
select ok(tests.attempt('select 1 from public.usage_periods where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of usage_periods');
select is(tests.attempt('insert into public.usage_periods (org_id, period_start, period_end) values (''22222222-2222-4222-8222-222222222222'', ''2020-01-01'', ''2020-02-01'')'), 'denied',
  'org A owner cannot insert a row for org B into usage_periods');
select ok(tests.attempt('update public.usage_periods set anomalies_detected = 0 where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of usage_periods');
select ok(tests.attempt('delete from public.usage_periods where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of usage_periods');

-- usage_daily
select ok(tests.attempt('select 1 from public.usage_daily where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of usage_daily');
select is(tests.attempt('insert into public.usage_daily (org_id, day) values (''22222222-2222-4222-8222-222222222222'', ''2020-01-01'')'), 'denied',
  'org A owner cannot insert a row for org B into usage_daily');
select ok(tests.attempt('update public.usage_daily set anomalies = 0 where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of usage_daily');
select ok(tests.attempt('delete from public.usage_daily where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of usage_daily');

-- usage_batches
select ok(tests.attempt('select 1 from public.usage_batches where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of usage_batches');
select is(tests.attempt('insert into public.usage_batches (org_id, idempotency_key) values (''22222222-2222-4222-8222-222222222222'', ''evil'')'), 'denied',
  'org A owner cannot insert a row for org B into usage_batches');
select ok(tests.attempt('update public.usage_batches set result = null where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of usage_batches');
select ok(tests.attempt('delete from public.usage_batches where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of usage_batches');

-- usage_alerts
select ok(tests.attempt('select 1 from public.usage_alerts where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of usage_alerts');
select is(tests.attempt('insert into public.usage_alerts (org_id, period_start, threshold, used, included) values (''22222222-2222-4222-8222-222222222222'', ''2020-01-01'', 70, 1, 1)'), 'denied',
  'org A owner cannot insert a row for org B into usage_alerts');
select ok(tests.attempt('update public.usage_alerts set sent_at = now() where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of usage_alerts');
select ok(tests.attempt('delete from public.usage_alerts where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of usage_alerts');

-- invoices
select ok(tests.attempt('select 1 from public.invoices where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of invoices');
select is(tests.attempt('insert into public.invoices (id, org_id) values (''in_evil'', ''22222222-2222-4222-8222-222222222222'')'), 'denied',
  'org A owner cannot insert a row for org B into invoices');
select ok(tests.attempt('update public.invoices set status = ''void'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of invoices');
select ok(tests.attempt('delete from public.invoices where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of invoices');

-- stripe_events
select ok(tests.attempt('select 1 from public.stripe_events where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of stripe_events');
select is(tests.attempt('insert into public.stripe_events (id, type, created, org_id) values (''evt_evil'', ''x'', 1, ''22222222-2222-4222-8222-222222222222'')'), 'denied',
  'org A owner cannot insert a row for org B into stripe_events');
select ok(tests.attempt('update public.stripe_events set outcome = ''ignored'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of stripe_events');
select ok(tests.attempt('delete from public.stripe_events where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of stripe_events');

-- billing_audit_log
select ok(tests.attempt('select 1 from public.billing_audit_log where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of billing_audit_log');
select is(tests.attempt('insert into public.billing_audit_log (org_id, actor, action) values (''22222222-2222-4222-8222-222222222222'', ''evil'', ''evil'')'), 'denied',
  'org A owner cannot insert a row for org B into billing_audit_log');
select ok(tests.attempt('update public.billing_audit_log set action = ''pwned'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of billing_audit_log');
select ok(tests.attempt('delete from public.billing_audit_log where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of billing_audit_log');

-- notification_outbox
select ok(tests.attempt('select 1 from public.notification_outbox where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot read org B rows of notification_outbox');
select is(tests.attempt('insert into public.notification_outbox (org_id, kind, subject, body, dedupe_key) values (''22222222-2222-4222-8222-222222222222'', ''x'', ''x'', ''x'', ''evil'')'), 'denied',
  'org A owner cannot insert a row for org B into notification_outbox');
select ok(tests.attempt('update public.notification_outbox set recipient = ''attacker@evil.test'' where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot update org B rows of notification_outbox');
select ok(tests.attempt('delete from public.notification_outbox where org_id = ''22222222-2222-4222-8222-222222222222''') in ('0', 'denied'),
  'org A owner cannot delete org B rows of notification_outbox');

select tests.as_superuser();
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.organizations x where id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'organizations'), 'org B rows of organizations are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.organization_members x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'organization_members'), 'org B rows of organization_members are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.api_keys x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'api_keys'), 'org B rows of api_keys are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.streams x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'streams'), 'org B rows of streams are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.anomalies x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'anomalies'), 'org B rows of anomalies are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.anomaly_status_history x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'anomaly_status_history'), 'org B rows of anomaly_status_history are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.subscriptions x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'subscriptions'), 'org B rows of subscriptions are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.usage_periods x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'usage_periods'), 'org B rows of usage_periods are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.usage_daily x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'usage_daily'), 'org B rows of usage_daily are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.usage_batches x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'usage_batches'), 'org B rows of usage_batches are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.usage_alerts x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'usage_alerts'), 'org B rows of usage_alerts are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.invoices x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'invoices'), 'org B rows of invoices are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.stripe_events x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'stripe_events'), 'org B rows of stripe_events are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.billing_audit_log x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'billing_audit_log'), 'org B rows of billing_audit_log are unchanged');
select is((select md5(string_agg(x::text, ',' order by x::text)) from public.notification_outbox x where org_id = '22222222-2222-4222-8222-222222222222'),
  (select digest from before_counts where tbl = 'notification_outbox'), 'org B rows of notification_outbox are unchanged');

select * from finish();
rollback;
