// Checks real responses against the Worker's own OpenAPI document (GET /openapi.json).
import Ajv from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { api } from "./api.mjs";

let compiled;

async function load() {
  if (compiled) return compiled;
  const doc = (await api("/openapi.json")).json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "openapi", components: doc.components });
  compiled = { doc, ajv };
  return compiled;
}

function rewriteRefs(schema) {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
}

/** Throws unless `res` matches the documented response for this path template and method. */
export async function assertMatchesContract(method, template, res) {
  const { doc, ajv } = await load();
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not in the OpenAPI document`);
  const documented = op.responses[String(res.status)];
  if (!documented) throw new Error(`${method} ${template}: status ${res.status} is not documented (${res.text.slice(0, 200)})`);
  const schema = documented.content?.["application/json"]?.schema;
  if (!schema) return;
  const validate = ajv.compile(rewriteRefs(schema));
  if (!validate(res.json)) {
    throw new Error(`${method} ${template} ${res.status} does not match the document: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`);
  }
}

/** Every documented path and method, for coverage checks. */
export async function documentedOperations() {
  const { doc } = await load();
  return Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
}
