// The front door: info, health, readiness, the document, routing errors, CORS, request ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, errorOf } from "./support/api.mjs";
import { assertMatchesContract } from "./support/contract.mjs";
import { stack } from "./support/stack.mjs";

test("anyone can see what the API is, that it is alive and ready, and read its OpenAPI document", async () => {
  for (const path of ["/", "/health", "/ready", "/openapi.json"]) {
    const res = await api(path);
    assert.equal(res.status, 200, `${path}: ${res.text.slice(0, 200)}`);
    await assertMatchesContract("GET", path, res);
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f]{16}$/);
  }
  assert.equal((await api("/ready")).json.checks.database, "ok");
  assert.equal((await api("/openapi.json")).json.openapi, "3.1.0");
});

test("unknown routes are 404 and wrong methods 405, both as JSON errors", async () => {
  const missing = await api("/nope");
  assert.equal(missing.status, 404);
  errorOf(missing);
  const wrong = await api("/health", { method: "DELETE" });
  assert.equal(wrong.status, 405);
  assert.match(errorOf(wrong).message, /DELETE/);
});

test("a plain client request id is echoed; one carrying header injection is replaced", async () => {
  const ok = await api("/health", { headers: { "x-request-id": "trace-abc_123" } });
  assert.equal(ok.headers.get("x-request-id"), "trace-abc_123");
  const evil = await fetch(new URL("/health", stack.apiUrl), { headers: { "x-request-id": "abc\tSet-Cookie: x=1" } });
  assert.notEqual(evil.headers.get("x-request-id"), "abc\tSet-Cookie: x=1");
  assert.equal(evil.headers.get("set-cookie"), null);
});

test("the dashboard's origin passes CORS preflight; other origins get no CORS headers", async () => {
  const allowed = stack.dashboardUrl;
  const pre = await fetch(new URL("/anomalies", stack.apiUrl), {
    method: "OPTIONS",
    headers: { origin: allowed, "access-control-request-method": "PATCH", "access-control-request-headers": "authorization" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), allowed);
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  const other = await fetch(new URL("/health", stack.apiUrl), { headers: { origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
});
