# shellcheck shell=bash
# Starting and stopping the local stack: Postgres, PostgREST, the Stripe/email recorder, the
# Worker under `wrangler dev`, the dashboard under `wrangler pages dev`. Sourced by scripts/dev
# and scripts/test, which choose a state folder ($STATE) and ports. Every long-running process
# is started in its own process group (setsid) and its PGID is written to $STATE/pids, so
# stop_stack stops exactly what this stack started and nothing else.

# Local-only secrets: never used outside 127.0.0.1. Production secrets come from `wrangler secret`.
LOCAL_JWT_SECRET=super-secret-jwt-token-with-at-least-32-characters-long
LOCAL_STRIPE_WEBHOOK_SECRET=whsec_local_driftlock_test_secret
LOCAL_STRIPE_SECRET_KEY=sk_test_local_driftlock
LOCAL_EMAIL_API_KEY=re_local_driftlock
AUTHENTICATOR_PASSWORD=authenticator-local

# spawn NAME CMD...: run CMD in a new process group, output to $STATE/logs/NAME.log.
spawn() {
  local name=$1; shift
  mkdir -p "$STATE/logs"
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo "$! $name" >>"$STATE/pids"
}

# stop_stack: stop every process group this stack started, then its Postgres.
stop_stack() {
  local pid name
  if [ -f "$STATE/pids" ]; then
    while read -r pid name; do
      kill -TERM -- "-$pid" 2>/dev/null || true
    done <"$STATE/pids"
    sleep 0.5
    while read -r pid name; do
      kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$STATE/pids"
    rm -f "$STATE/pids"
  fi
  [ -f "$STATE/pg/PG_VERSION" ] && "$ROOT/scripts/db" stop "$STATE/pg" >/dev/null 2>&1 || true
}

# need_port PORT WHAT: stop with a clear message when PORT is taken.
need_port() {
  port_free "$1" || die "port $1 (for $2) is already in use on 127.0.0.1: stop what holds it or choose another port"
}

# mint_jwt JSON_CLAIMS: an HS256 token over the local secret.
mint_jwt() {
  node -e '
    const c = require("node:crypto"); const b = (s) => Buffer.from(s).toString("base64url");
    const claims = JSON.parse(process.argv[1]); const now = Math.floor(Date.now() / 1000);
    claims.iat ??= now; claims.exp ??= now + (claims.ttl ?? 3600); delete claims.ttl;
    const h = b(JSON.stringify({ alg: "HS256", typ: "JWT" })), p = b(JSON.stringify(claims));
    process.stdout.write(`${h}.${p}.` + c.createHmac("sha256", process.argv[2]).update(`${h}.${p}`).digest("base64url"));
  ' "$1" "$LOCAL_JWT_SECRET"
}

# start_db PORT: private PostgreSQL 15 cluster in $STATE/pg, migrated and seeded.
start_db() {
  need_port "$1" "PostgreSQL"
  DATABASE_URL=$("$ROOT/scripts/db" start "$STATE/pg" "$1") || die "the database did not start (see above)"
  export DATABASE_URL
}

# postgrest_jwt_keys: what PostgREST verifies tokens with. With the recorder running (standing in
# for Supabase Auth), a JWKS of the local HS256 secret plus the recorder's ES256 key, as a
# Supabase project with asymmetric keys has; otherwise the HS256 secret alone.
postgrest_jwt_keys() {
  if [ -n "${RECORDER_URL:-}" ]; then
    node -e '
      const [secret, url] = process.argv.slice(1);
      fetch(url).then((r) => r.json()).then(({ keys }) => {
        const oct = { kty: "oct", alg: "HS256", k: Buffer.from(secret).toString("base64url") };
        process.stdout.write(JSON.stringify({ keys: [oct, ...keys] }));
      });
    ' "$LOCAL_JWT_SECRET" "$RECORDER_URL/auth/v1/.well-known/jwks.json"
  else
    printf '%s' "$LOCAL_JWT_SECRET"
  fi
}

# start_postgrest PORT DB_PORT (start the recorder first to accept its ES256 tokens too)
start_postgrest() {
  need_port "$1" "PostgREST"
  local keys
  keys=$(postgrest_jwt_keys) || die "could not read the recorder's JWKS"
  spawn postgrest env \
    PGRST_DB_URI="postgres://authenticator:$AUTHENTICATOR_PASSWORD@127.0.0.1:$2/postgres" \
    PGRST_DB_SCHEMAS=public PGRST_DB_ANON_ROLE=anon PGRST_JWT_SECRET="$keys" \
    PGRST_SERVER_HOST=127.0.0.1 PGRST_SERVER_PORT="$1" PGRST_DB_POOL=10 PGRST_LOG_LEVEL=warn \
    postgrest
  export POSTGREST_URL=http://127.0.0.1:$1
  wait_http "$POSTGREST_URL/" 30 || die "PostgREST did not answer on $POSTGREST_URL (log: $STATE/logs/postgrest.log)"
}

# start_recorder PORT: the local stand-in for Stripe's API and the email provider.
start_recorder() {
  need_port "$1" "the Stripe/email recorder"
  spawn recorder node "$ROOT/tests/support/recorder.mjs" --port "$1"
  export RECORDER_URL=http://127.0.0.1:$1
  wait_http "$RECORDER_URL/__requests" 20 || die "the recorder did not start (log: $STATE/logs/recorder.log)"
}

# build_worker: the Worker bundle in edge-worker/build (release, optimized).
build_worker() {
  (cd "$ROOT/edge-worker" && worker-build --release >&2) || die "the Worker build failed (see above)"
}

# write_worker_config: a wrangler config for an already-built Worker (no [build] step), plus
# .dev.vars with the local secrets, in $STATE/worker. The bundle is edge-worker/build's, or
# $WORKER_BUILD_DIR's when set (scripts/worker-ab swaps builds there).
write_worker_config() {
  local dir=$STATE/worker
  mkdir -p "$dir"
  sed -e "s|^main = .*|main = \"$ROOT/edge-worker/build/index.js\"|" -e '/^\[build\]/,/^$/d' \
    "$ROOT/wrangler.toml" >"$dir/wrangler.toml"
  [ -z "${WORKER_BUILD_DIR:-}" ] || sed -i "s|^main = .*|main = \"$WORKER_BUILD_DIR/index.js\"|" "$dir/wrangler.toml"
  # The service key lasts ten years; SERVICE_KEY_CLAIMS replaces its claims (scripts/stack-ctl
  # deploys an expired one).
  local service_key claims='{"iss":"supabase","role":"service_role","ttl":315360000}'
  service_key=$(mint_jwt "${SERVICE_KEY_CLAIMS:-$claims}")
  umask 077
  cat >"$dir/.dev.vars" <<VARS
SUPABASE_SERVICE_ROLE_KEY=$service_key
SUPABASE_JWT_SECRET=$LOCAL_JWT_SECRET
STRIPE_SECRET_KEY=$LOCAL_STRIPE_SECRET_KEY
STRIPE_WEBHOOK_SECRET=$LOCAL_STRIPE_WEBHOOK_SECRET
EMAIL_API_KEY=$LOCAL_EMAIL_API_KEY
VARS
  umask 022
}

# start_worker PORT INSPECTOR_PORT [DASHBOARD_URL]
start_worker() {
  need_port "$1" "the Worker"
  need_port "$2" "the Worker's inspector"
  write_worker_config
  spawn worker wrangler dev --config "$STATE/worker/wrangler.toml" --local --ip 127.0.0.1 \
    --port "$1" --inspector-port "$2" --persist-to "$STATE/wrangler-state" --show-interactive-dev-session=false --test-scheduled \
    --var "POSTGREST_URL:$POSTGREST_URL" --var "STRIPE_API_BASE:$RECORDER_URL" \
    --var "EMAIL_API_BASE:$RECORDER_URL" --var "DASHBOARD_URL:${3:-http://127.0.0.1:5173}" \
    --var "SUPABASE_JWKS_URL:$RECORDER_URL/auth/v1/.well-known/jwks.json" \
    --var "CORS_ORIGINS:${3:-http://127.0.0.1:5173}"
  export DRIFTLOCK_API_URL=http://127.0.0.1:$1
  wait_http "$DRIFTLOCK_API_URL/health" 90 || die "the Worker did not answer on $DRIFTLOCK_API_URL (log: $STATE/logs/worker.log)"
}

# stop_worker: stop only the Worker (for restart tests).
stop_worker() {
  local pid name
  while read -r pid name; do
    [ "$name" = worker ] && { kill -TERM -- "-$pid" 2>/dev/null || true; }
  done <"$STATE/pids"
  sed -i '/ worker$/d' "$STATE/pids"
}

# build_dashboard API_URL: frontend/dist for this stack's Worker URL.
build_dashboard() {
  (cd "$ROOT/frontend" && VITE_API_URL=$1 npm run build >&2) || die "the dashboard build failed (see above)"
}

# start_dashboard PORT: serve frontend/dist like Cloudflare Pages does.
start_dashboard() {
  need_port "$1" "the dashboard"
  spawn dashboard wrangler pages dev "$ROOT/frontend/dist" --ip 127.0.0.1 --port "$1" \
    --inspector-port "$(free_port 9430)" --persist-to "$STATE/pages-state" --show-interactive-dev-session=false
  export DASHBOARD_URL=http://127.0.0.1:$1
  wait_http "$DASHBOARD_URL/" 60 || die "the dashboard did not answer on $DASHBOARD_URL (log: $STATE/logs/dashboard.log)"
}

# create_bench_org: a Growth-plan organization (500,000 detections, so the free plan's 402 never
# caps a benchmark) with an events:write API key; prints the key.
create_bench_org() {
  local key
  key=dl_bench001_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "could not create the benchmark organization"
insert into public.organizations (id, name, plan_id) values ('b0000000-0000-4000-8000-00000000be01', 'Bench', 'growth');
insert into public.api_keys (org_id, name, prefix, key_hash, scopes)
values ('b0000000-0000-4000-8000-00000000be01', 'bench', 'dl_bench001', encode(sha256('$key'::bytea), 'hex'), array['events:write']);
SQL
  echo "$key"
}

# batch_file N STREAM FILE [normal]: N BGL log lines (only those labeled normal) as one
# POST /events body.
batch_file() {
  node -e '
    const [n, stream, , only] = [Number(process.argv[1]), process.argv[2], null, process.argv[4]];
    const lines = require("fs").readFileSync(process.argv[3], "utf8").split(/\r?\n/).filter(Boolean)
      .filter((l) => only !== "normal" || l.startsWith("- ")).map((l) => l.split(" ").slice(1).join(" "));
    const events = Array.from({ length: n }, (_, i) => ({ type: "log", body: lines[i % lines.length] }));
    process.stdout.write(JSON.stringify({ stream, events }));
  ' "$1" "$2" "$ROOT/../shared/data/logs/BGL_2k.log" "${4:-all}" >"$3"
}
