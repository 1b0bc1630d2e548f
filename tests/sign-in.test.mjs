// Signing in with Supabase Auth's asymmetric keys: the Worker verifies ES256 tokens through the
// project's JWKS (here served by the local Supabase Auth stand-in) and forwards them to
// PostgREST, which checks them again for row-level security.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf } from "./support/api.mjs";
import { seed, signJwt, stack } from "./support/stack.mjs";

async function es256Token(user, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: "authenticated", role: "authenticated", sub: user.id, email: user.email, iat: now, exp: now + 600, ...overrides };
  const res = await fetch(new URL("/__auth/token", stack.recorderUrl), {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(claims),
  });
  return (await res.json()).access_token;
}

test("a user signed in with an ES256 token from the project's JWKS sees their organization's data", async () => {
  const token = await es256Token(seed.users.acmeOwner);
  const me = await api("/me", { auth: token });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.org_id, seed.acme.orgId);
  const list = await api("/anomalies?limit=5", { auth: token });
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.data.length > 0);
});

test("an expired, re-audienced or tampered ES256 token is refused", async () => {
  const expired = await es256Token(seed.users.acmeOwner, { exp: Math.floor(Date.now() / 1000) - 3600 });
  const wrongAud = await es256Token(seed.users.acmeOwner, { aud: "somebody-else" });
  const good = await es256Token(seed.users.acmeOwner);
  const [h, p, s] = good.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: seed.users.globexOwner.id })).toString("base64url")}.${s}`;
  for (const token of [expired, wrongAud, tampered]) {
    const res = await api("/me", { auth: token });
    assert.equal(res.status, 401, res.text);
    errorOf(res);
  }
});

test("alg confusion: an HS256 token signed with the public JWKS as its secret is refused", async () => {
  const jwks = await (await fetch(new URL("/auth/v1/.well-known/jwks.json", stack.recorderUrl))).text();
  const { kid } = JSON.parse(jwks).keys[0];
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: "authenticated", role: "authenticated", sub: seed.users.acmeOwner.id, iat: now, exp: now + 600 };
  for (const secret of [jwks, JSON.stringify(JSON.parse(jwks).keys[0])]) {
    const forged = signJwt(claims, secret, { alg: "HS256", typ: "JWT", kid });
    const res = await api("/me", { auth: forged });
    assert.equal(res.status, 401, res.text);
  }
});
