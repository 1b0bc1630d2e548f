// Direct database access for arranging test situations (never for asserting the API's work
// when the API itself can show it). Uses psql against the stack's private cluster.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { stack } from "./stack.mjs";

/** Runs SQL as the superuser; returns trimmed text output (unaligned, tuples only). */
export function sql(query) {
  return execFileSync("psql", [stack.databaseUrl, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", query], { encoding: "utf8" }).trim();
}

/**
 * A brand-new organization with an owner user and an API key, so a test can change plans and
 * usage without touching anyone else's data. Returns {orgId, user, apiKey, keyId}.
 */
export function freshOrg(name, { plan = "developer", stopAtSoftCap = false, scopes } = {}) {
  const orgId = randomUUID();
  const user = { id: randomUUID(), email: `${name}-${orgId.slice(0, 8)}@example.test` };
  const prefix = `dl_${randomBytes(4).toString("hex")}`;
  const apiKey = `${prefix}_${randomBytes(16).toString("hex")}`;
  const hash = createHash("sha256").update(apiKey).digest("hex");
  const scopeList = scopes ?? ["events:write", "anomalies:read", "anomalies:write", "usage:read", "usage:write", "streams:read", "streams:write"];
  const keyId = sql(`
    insert into auth.users (id, email) values ('${user.id}', '${user.email}');
    insert into public.organizations (id, name, plan_id, stop_at_soft_cap) values ('${orgId}', '${name}', '${plan}', ${stopAtSoftCap});
    insert into public.organization_members (org_id, user_id, role) values ('${orgId}', '${user.id}', 'owner');
    insert into public.api_keys (org_id, name, prefix, key_hash, scopes) values ('${orgId}', 'test key', '${prefix}', '${hash}', array[${scopeList.map((s) => `'${s}'`).join(",")}]) returning id;`);
  return { orgId, user, apiKey, keyId };
}
