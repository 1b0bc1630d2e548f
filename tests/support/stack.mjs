// The running local stack, as scripts/test (or scripts/dev) describes it through the environment.
// Black-box tests import from here; they never start services themselves.
import { createHmac } from "node:crypto";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the black-box tests through scripts/test`);
  return v;
}

/** Where things run and the local-only secrets they share. */
export const stack = {
  get apiUrl() { return required("DRIFTLOCK_API_URL"); },          // the Worker (wrangler dev)
  get postgrestUrl() { return required("POSTGREST_URL"); },        // the real PostgREST 12
  get databaseUrl() { return required("DATABASE_URL"); },          // postgres superuser URL
  get jwtSecret() { return required("SUPABASE_JWT_SECRET"); },     // HS256 secret (local only)
  get stripeWebhookSecret() { return required("STRIPE_WEBHOOK_SECRET"); },
  get recorderUrl() { return required("RECORDER_URL"); },          // the Stripe/email HTTP recorder
  get dashboardUrl() { return required("DASHBOARD_URL"); },
};

/** Seeded fixtures (supabase/seed.sql). Local development only. */
export const seed = {
  acme: { orgId: "11111111-1111-4111-8111-111111111111", apiKey: "dl_demo0001_0123456789abcdef0123456789abcdef" },
  globex: { orgId: "22222222-2222-4222-8222-222222222222", apiKey: "dl_glbx0001_fedcba9876543210fedcba9876543210" },
  users: {
    acmeOwner: { id: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", email: "demo@driftlock.dev" },
    acmeViewer: { id: "cccccccc-cccc-4ccc-8ccc-cccccccccccc", email: "viewer@driftlock.dev" },
    globexOwner: { id: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", email: "owner@globex.test" },
  },
};

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** Signs claims as an HS256 JWT with the given secret (default: the stack's). */
export function signJwt(claims, secret = stack.jwtSecret, header = { alg: "HS256", typ: "JWT" }) {
  const head = b64url(JSON.stringify(header));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** A Supabase-shaped user access token, as Supabase Auth would issue it. */
export function userToken(user, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({
    iss: process.env.SUPABASE_JWT_ISSUER ?? "http://127.0.0.1/auth/v1",
    aud: "authenticated", role: "authenticated", sub: user.id, email: user.email,
    aal: "aal1", session_id: "00000000-0000-4000-8000-000000000000", iat: now, exp: now + 3600,
    ...overrides,
  });
}

/** The service-role key (what the Worker uses where no user token can serve). */
export function serviceRoleToken() {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ iss: "supabase", role: "service_role", iat: now, exp: now + 3600 });
}
