-- Local demo data (never for production). Ids and API keys match tests/support/stack.mjs.
-- Loaded once by scripts/db start on a fresh cluster, as the superuser, in one transaction.

-- Stripe test prices for local runs; production sets its own price ids on these rows.
update public.plans set stripe_price_id = 'price_local_standard' where id = 'standard';
update public.plans set stripe_price_id = 'price_local_growth' where id = 'growth';

insert into auth.users (id, email) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'demo@driftlock.dev'),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'viewer@driftlock.dev'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'owner@globex.test');

insert into public.organizations (id, name, plan_id) values
  ('11111111-1111-4111-8111-111111111111', 'Acme Demo', 'developer'),
  ('22222222-2222-4222-8222-222222222222', 'Globex', 'developer');

insert into public.organization_members (org_id, user_id, role) values
  ('11111111-1111-4111-8111-111111111111', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'owner'),
  ('11111111-1111-4111-8111-111111111111', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'viewer'),
  ('22222222-2222-4222-8222-222222222222', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'owner');

-- Keys: key_hash is the hex SHA-256 of the whole secret the client sends.
insert into public.api_keys (id, org_id, name, prefix, key_hash, scopes, created_by) values
  ('d1000000-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'demo key', 'dl_demo0001',
   encode(sha256(convert_to('dl_demo0001_0123456789abcdef0123456789abcdef', 'UTF8')), 'hex'),
   array['events:write', 'anomalies:read', 'anomalies:write', 'usage:read', 'usage:write', 'streams:read', 'streams:write'],
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'),
  ('d2000000-0000-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'globex key', 'dl_glbx0001',
   encode(sha256(convert_to('dl_glbx0001_fedcba9876543210fedcba9876543210', 'UTF8')), 'hex'),
   array['events:write', 'anomalies:read', 'anomalies:write', 'usage:read', 'usage:write', 'streams:read', 'streams:write'],
   'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb');

insert into public.streams (id, org_id, name, event_type, compressor, sensitivity, baseline_size, window_size) values
  ('33333333-3333-4333-8333-333333333331', '11111111-1111-4111-8111-111111111111', 'checkout-api', 'log', 'zstd', 0.5, 400, 50),
  ('33333333-3333-4333-8333-333333333332', '11111111-1111-4111-8111-111111111111', 'payments-latency', 'metric', 'deflate', 0.7, 400, 50),
  ('44444444-4444-4444-8444-444444444441', '22222222-2222-4222-8222-222222222222', 'web-logs', 'log', 'zstd', 0.5, 400, 50);

insert into public.anomalies (id, org_id, stream_id, event_type, event_excerpt, metadata, metrics, p_value, score,
                              severity, novel_spans, explanation, status, status_changed_by, status_changed_at, detected_at)
values
  ('a0000000-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333331',
   'log', 'ERROR db timeout after 30000ms on pool checkout-primary', '{"host": "a1", "service": "checkout"}',
   '{"conditional_bits_per_byte": 5.1, "compression_ratio": 1.2, "entropy": 4.3, "ncd": null}', 0.004, 0.97,
   'high', '[[0, 16]]', '"ERROR db timeout" never appears in the baseline', 'open', null, null, now() - interval '50 minutes'),
  ('a0000000-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333331',
   'log', 'WARN retrying payment provider call (attempt 4)', '{"host": "a2"}',
   '{"conditional_bits_per_byte": 3.2, "compression_ratio": 1.9, "entropy": 4.0, "ncd": null}', 0.03, 0.81,
   'medium', '[[5, 13]]', 'retry count above the baseline''s usual 1-2', 'acknowledged',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', now() - interval '30 minutes', now() - interval '40 minutes'),
  ('a0000000-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333332',
   'metric', 'payments.latency_ms=2380', '{"region": "eu-west"}',
   '{"conditional_bits_per_byte": 4.4, "compression_ratio": 1.4, "entropy": 3.1, "ncd": 0.62}', 0.01, 0.9,
   'high', '[[20, 24]]', 'latency in the top bin, unseen in the baseline', 'resolved',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', now() - interval '10 minutes', now() - interval '35 minutes'),
  ('a0000000-0000-4000-8000-000000000004', '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333332',
   'metric', 'payments.latency_ms=910', '{"region": "us-east"}',
   '{"conditional_bits_per_byte": 2.1, "compression_ratio": 2.2, "entropy": 2.9, "ncd": 0.41}', 0.08, 0.55,
   'low', '[[20, 23]]', 'slightly unusual latency bin', 'dismissed',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', now() - interval '5 minutes', now() - interval '20 minutes'),
  ('a0000000-0000-4000-8000-000000000005', '11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333331',
   'log', 'panic: nil pointer dereference in cart.Total', '{"host": "a1"}',
   '{"conditional_bits_per_byte": 6.0, "compression_ratio": 1.1, "entropy": 4.6, "ncd": null}', 0.002, 0.99,
   'high', '[[0, 6]]', 'a panic line: nothing like it in the baseline', 'open', null, null, now() - interval '2 minutes'),
  ('b0000000-0000-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', '44444444-4444-4444-8444-444444444441',
   'log', 'GET /admin 403 from 203.0.113.9', '{"host": "g1"}',
   '{"conditional_bits_per_byte": 4.0, "compression_ratio": 1.5, "entropy": 4.1, "ncd": null}', 0.02, 0.85,
   'medium', '[[0, 10]]', 'admin path never requested in the baseline', 'open', null, null, now() - interval '15 minutes');

insert into public.anomaly_status_history (anomaly_id, org_id, from_status, to_status, changed_by, note, changed_at) values
  ('a0000000-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'open', 'acknowledged',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'looking into the payment provider', now() - interval '30 minutes'),
  ('a0000000-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111', 'open', 'resolved',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'scaled the pool', now() - interval '10 minutes'),
  ('a0000000-0000-4000-8000-000000000004', '11111111-1111-4111-8111-111111111111', 'open', 'dismissed',
   'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'expected during deploy', now() - interval '5 minutes');

-- Usage so far this period, counted the way the Worker counts it.
select public.record_usage('11111111-1111-4111-8111-111111111111', 'seed', 1200, 5);
select public.record_usage('22222222-2222-4222-8222-222222222222', 'seed', 300, 1);
