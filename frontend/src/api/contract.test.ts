// The dashboard's API types against the Worker's own OpenAPI document
// (edge-worker/openapi.json, served as GET /openapi.json), so the two cannot drift apart.
import { describe, expect, it } from "vitest";
import openapiText from "../../../edge-worker/openapi.json?raw";
import typesSource from "./types.ts?raw";
import endpointsSource from "./endpoints.ts?raw";
import liveSource from "./live.ts?raw";

type Schema = { properties?: Record<string, unknown>; required?: string[] };
const doc = JSON.parse(openapiText) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> } };

/** Field names of each `export interface` in types.ts (own fields only). */
function interfaces(src: string): Map<string, { fields: string[]; optional: Set<string> }> {
  const out = new Map<string, { fields: string[]; optional: Set<string> }>();
  for (const m of src.matchAll(/export interface (\w+)(?:<\w+>)?(?: extends \w+(?:<\w+>)?)? \{([\s\S]*?)\n\}/g)) {
    const fields: string[] = [];
    const optional = new Set<string>();
    for (const f of m[2].matchAll(/^\s{2}(\w+)(\??):/gm)) {
      fields.push(f[1]);
      if (f[2]) optional.add(f[1]);
    }
    out.set(m[1], { fields, optional });
  }
  return out;
}

// Our type -> the document's schema.
const PAIRS: [string, string][] = [
  ["Anomaly", "Anomaly"],
  ["StatusChange", "HistoryEntry"],
  ["Stream", "Stream"],
  ["Usage", "Usage"],
  ["Plan", "Plan"],
  ["Invoice", "Invoice"],
  ["Subscription", "Subscription"],
  ["ApiKey", "ApiKey"],
  ["Me", "Me"],
  ["RedirectUrl", "Url"],
];
// Fields the dashboard reads that the document does not list, with the reason.
const EXTRA: Record<string, string[]> = {
  Plan: ["blocks_at_limit"], // a column of the plans table the Worker passes through; optional here
};

describe("API types match the Worker's OpenAPI document", () => {
  const ours = interfaces(typesSource);

  for (const [mine, theirs] of PAIRS) {
    it(`${mine} ↔ ${theirs}`, () => {
      const schema = doc.components.schemas[theirs];
      expect(schema, `schema ${theirs} is documented`).toBeTruthy();
      const t = ours.get(mine)!;
      expect(t?.fields.length, `interface ${mine} exists`).toBeGreaterThan(0);
      const documented = Object.keys(schema.properties ?? {});
      const unknown = t.fields.filter((f) => !documented.includes(f) && !(EXTRA[mine] ?? []).includes(f));
      expect(unknown, `fields of ${mine} not in the document`).toEqual([]);
      // Every field the document promises (required) that we read must not be optional by accident.
      const missing = (schema.required ?? []).filter((f) => !t.fields.includes(f) && !(mine === "Anomaly" && f === "history"));
      expect(missing, `required fields of ${theirs} missing from ${mine}`).toEqual([]);
    });
  }

  it("every route the dashboard calls is documented with that method", () => {
    const calls = [...endpointsSource.matchAll(/request<[^>]*>\("(GET|POST|PATCH|DELETE)", [`"]([^`"]+)[`"]/g)].map((m) => [
      m[1].toLowerCase(),
      m[2].replace(/\$\{[^}]+\}/g, "{id}"),
    ]);
    if (liveSource.includes('"/anomalies/stream"')) calls.push(["get", "/anomalies/stream"]);
    expect(calls.length).toBeGreaterThan(10);
    for (const [method, path] of calls) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeTruthy();
    }
  });
});
