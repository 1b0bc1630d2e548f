-- Usage accounting: idempotency, thresholds crossed once per period, blocking rules,
-- ingest_batch storing anomalies, quota_state for members only.
begin;
set local search_path = extensions, public;
select plan(34);
-- Test helpers (tests.act_as, as_superuser, attempt), rolled back with this transaction.
\ir _helpers.psql

insert into public.organizations (id, name) values
  ('99999999-0000-4000-8000-000000000001', 'Quota Free'),
  ('99999999-0000-4000-8000-000000000002', 'Quota Paid');
insert into public.streams (id, org_id, name) values
  ('99999999-1111-4000-8000-000000000001', '99999999-0000-4000-8000-000000000001', 'ingest');
update public.organizations set plan_id = 'standard' where id = '99999999-0000-4000-8000-000000000002';

select tests.act_as('service_role');

-- idempotency
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-1', 100, 10)) -> 'used', '10'::jsonb,
  'a first batch is counted');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-1', 100, 10)) -> 'replayed', 'true'::jsonb,
  'a retried batch is recognised as a replay');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-1', 100, 10)) -> 'used', '10'::jsonb,
  'a replay returns the first answer');
select is((select events_scored from public.usage_periods where org_id = '99999999-0000-4000-8000-000000000001'), 100::bigint,
  'a retried batch is counted once (events)');
select is((select anomalies from public.usage_daily where org_id = '99999999-0000-4000-8000-000000000001'), 10::bigint,
  'a retried batch is counted once (daily series)');

-- thresholds: developer plan, 1000 included
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-2', 0, 690)) -> 'crossed', '[70]'::jsonb,
  'reaching 700 of 1000 crosses 70%');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-3', 0, 50)) -> 'crossed', '[]'::jsonb,
  'staying between thresholds crosses nothing');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-4', 0, 260)) -> 'crossed', '[90, 100]'::jsonb,
  'jumping to 1010 crosses 90% and 100% at once');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-5', 0, 1)) -> 'blocked', 'true'::jsonb,
  'the free plan is blocked at 100%');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-6', 0, 200)) -> 'crossed', '[120]'::jsonb,
  'passing 1200 crosses the soft cap');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-7', 0, 500)) -> 'crossed', '[]'::jsonb,
  'no threshold fires twice in a period');
select is((select array_agg(threshold order by threshold) from public.usage_alerts
           where org_id = '99999999-0000-4000-8000-000000000001'), array[70, 90, 100, 120],
  'one alert row per threshold');
select is((select count(*) from public.notification_outbox
           where org_id = '99999999-0000-4000-8000-000000000001' and kind = 'usage_alert'), 4::bigint,
  'one outbox email per threshold');
select is((select count(*) from public.billing_audit_log
           where org_id = '99999999-0000-4000-8000-000000000001' and action = 'usage.threshold_crossed'), 4::bigint,
  'each crossing is in the billing audit log');
select is((public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-8', 5, 0)) -> 'remaining', '0'::jsonb,
  'remaining never goes below zero');
select throws_ok($$select public.record_usage('99999999-0000-4000-8000-000000000001', 'batch-neg', -1, 0)$$, '22023', null,
  'negative usage is rejected');
select throws_ok($$select public.record_usage('99999999-0000-4000-8000-00000000dead', 'x', 1, 1)$$, 'PT404', null,
  'usage for an unknown org is rejected');

-- paid plan: never blocked unless the org chose to stop at the soft cap
select is((public.record_usage('99999999-0000-4000-8000-000000000002', 'p-1', 0, 50000)) -> 'blocked', 'false'::jsonb,
  'a paid plan is not blocked at 100%');
select is((public.record_usage('99999999-0000-4000-8000-000000000002', 'p-2', 0, 10000)) -> 'soft_cap_passed', 'true'::jsonb,
  'a paid plan passes the soft cap at 120%');
select is((public.quota_state('99999999-0000-4000-8000-000000000002')) -> 'blocked', 'false'::jsonb,
  'a paid plan past the soft cap keeps running by default');
update public.organizations set stop_at_soft_cap = true where id = '99999999-0000-4000-8000-000000000002';
select is((public.quota_state('99999999-0000-4000-8000-000000000002')) -> 'blocked', 'true'::jsonb,
  'a paid plan that chose to stop is blocked past the soft cap');

-- ingest_batch: anomalies and usage together
select throws_ok($$select public.ingest_batch('99999999-0000-4000-8000-000000000002', '99999999-1111-4000-8000-000000000001', 'x', 1, '[]')$$,
  'PT404', null, 'a batch for a stream of another org is rejected');
create temp table r as select public.ingest_batch(
  '99999999-0000-4000-8000-000000000001', '99999999-1111-4000-8000-000000000001', 'ingest-1', 40,
  jsonb_build_array(
    jsonb_build_object('event_type', 'log', 'event_excerpt', repeat('x', 5000), 'metadata', '{"host": "h1"}'::jsonb,
                       'metrics', '{"ncd": 0.7}'::jsonb, 'p_value', 0.01, 'score', 0.9, 'severity', 'high',
                       'novel_spans', '[[0, 4]]'::jsonb, 'explanation', 'new', 'detected_at', '2026-11-29T10:00:00Z'),
    jsonb_build_object('event_type', 'log', 'event_excerpt', 'second', 'p_value', 0.04, 'score', 0.7, 'severity', 'low')
  )) as v;
select is(jsonb_array_length((select v -> 'anomaly_ids' from r)), 2, 'a batch returns one id per anomaly');
select is((select count(*) from public.anomalies a, r where a.id in (select (jsonb_array_elements_text(r.v -> 'anomaly_ids'))::uuid)),
  2::bigint, 'the batch''s anomalies are stored');
select ok((select a1.seq < a2.seq from public.anomalies a1, public.anomalies a2, r
           where a1.id = (r.v -> 'anomaly_ids' ->> 0)::uuid and a2.id = (r.v -> 'anomaly_ids' ->> 1)::uuid),
  'anomaly ids come back in input order, with increasing seq');
select is((select char_length(a.event_excerpt) from public.anomalies a, r where a.id = (r.v -> 'anomaly_ids' ->> 0)::uuid), 4096,
  'an oversized excerpt is cut to 4096 characters');
select is((select v -> 'replayed' from r), 'false'::jsonb, 'a first batch is not a replay');
select is((public.ingest_batch('99999999-0000-4000-8000-000000000001', '99999999-1111-4000-8000-000000000001', 'ingest-1', 40, '[{"event_type":"log","severity":"low"}]')) -> 'anomaly_ids',
  (select v -> 'anomaly_ids' from r), 'a retried batch returns the same anomaly ids');
select is((select count(*) from public.anomalies where org_id = '99999999-0000-4000-8000-000000000001'), 2::bigint,
  'a retried batch stores nothing new');
select throws_ok($$select public.ingest_batch('99999999-0000-4000-8000-000000000001', '99999999-1111-4000-8000-000000000001', 'big', 1,
  jsonb_build_array(jsonb_build_object('event_type', 'log', 'severity', 'low', 'metadata', jsonb_build_object('blob', repeat('m', 9000)))))$$,
  '23514', null, 'metadata over 8 KiB is refused');

select is(jsonb_array_length((public.ingest_batch('99999999-0000-4000-8000-000000000001', '99999999-1111-4000-8000-000000000001', 'nulls', 1,
  '[{"event_type": "json", "severity": "low", "metadata": null, "metrics": null, "novel_spans": null, "p_value": null, "detected_at": null}]')) -> 'anomaly_ids'), 1,
  'JSON nulls for optional anomaly fields mean "none"');

-- quota_state: members only
select tests.act_as('authenticated', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc');
select is((public.quota_state('11111111-1111-4111-8111-111111111111')) -> 'thresholds', '[70, 90, 100, 120]'::jsonb,
  'a viewer reads the org''s quota state');
select throws_ok($$select public.quota_state('22222222-2222-4222-8222-222222222222')$$, '42501',
  'not a member of organization 22222222-2222-4222-8222-222222222222', 'a user cannot read another org''s quota state');
select tests.act_as('service_role');
select is((public.quota_state('99999999-0000-4000-8000-000000000001')) -> 'alerts_sent' -> 0 -> 'threshold', '70'::jsonb,
  'quota state lists the alerts sent this period');

select tests.as_superuser();
select * from finish();
rollback;
