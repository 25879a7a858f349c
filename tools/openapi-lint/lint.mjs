// Validates an OpenAPI 3.1 document: prints every problem and exits 1 when there is one.
//
// 1. The document against the official OpenAPI 3.1 schema, with every $ref resolved
//    (@seriousme/openapi-schema-validator).
// 2. Every Schema Object against the JSON Schema 2020-12 meta-schema, and every example
//    against its schema (Ajv): step 1 accepts any object as a schema.
// 3. Vitrine's conventions (docs/openapi.json, ARCHITECTURE.md §3): unique operationIds;
//    a summary, a description, a tag and a least role (`x-vitrine-role`) on every
//    operation; every path template parameter declared; public operations open
//    (`security: []`) and the others answering 401; errors as application/problem+json;
//    X-Request-Id on every response.
//
// Usage: node lint.mjs FILE
import { readFileSync } from "node:fs";
import { argv, exit } from "node:process";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const { default: addFormats } = addFormatsModule;
const file = argv[2];
if (!file) {
  console.error("usage: node lint.mjs FILE");
  exit(2);
}

const problems = [];
const seenIds = new Map();
let doc = null;
const problem = (where, message) => problems.push(`${where}: ${message}`);

// 1. The OpenAPI schema.
const result = await new Validator().validate(file);
if (!result.valid) {
  const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
  for (const e of errors) {
    problem(e.instancePath || "document", typeof e === "string" ? e : `${e.message} ${JSON.stringify(e.params)}`);
  }
  // The other checks assume a well-formed document.
  report();
}
doc = JSON.parse(readFileSync(file, "utf-8"));

// 2. Schemas and examples.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat("password", true);
const docId = "https://vitrine.invalid/openapi.json";
ajv.addSchema({ ...doc, $id: docId });
const pointer = (path) =>
  "#/" + path.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

function checkExample(where, schemaPath, value) {
  let validate;
  try {
    validate = ajv.compile({ $ref: docId + pointer(schemaPath) });
  } catch (e) {
    problem(where, `schema does not compile: ${e.message}`);
    return;
  }
  if (!validate(value)) {
    for (const e of validate.errors) problem(where, `example${e.instancePath} ${e.message}`);
  }
}

function walkSchemas(node, path) {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walkSchemas(n, [...path, i]));
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    const here = [...path, key];
    const isSchema =
      key === "schema" || (path.length === 2 && path[0] === "components" && path[1] === "schemas");
    if (isSchema && value && typeof value === "object") {
      if (!ajv.validateSchema(value)) {
        for (const e of ajv.errors) problem(pointer(here), `not a JSON Schema: ${e.instancePath} ${e.message}`);
      } else if (Array.isArray(value.examples)) {
        value.examples.forEach((ex, i) => checkExample(pointer([...here, "examples", i]), here, ex));
      }
    }
    // Media type and parameter examples, against the sibling schema.
    if (key === "example" && "schema" in node && !isSchema) {
      checkExample(pointer(here), [...path, "schema"], value);
    }
    if (key !== "example" && key !== "examples") walkSchemas(value, here);
  }
}
walkSchemas(doc, []);

// 3. Conventions.
const ROLES = new Set(["public", "viewer", "editor", "approver", "admin"]);
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const resolve = (node) => {
  while (node && node.$ref) {
    node = node.$ref
      .slice(2)
      .split("/")
      .reduce((n, p) => n?.[p.replaceAll("~1", "/").replaceAll("~0", "~")], doc);
  }
  return node;
};
for (const [path, item] of Object.entries(doc.paths || {})) {
  const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const method of METHODS) {
    const op = item[method];
    if (!op) continue;
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) problem(where, "no operationId");
    else if (seenIds.has(op.operationId)) problem(where, `operationId ${op.operationId} is also ${seenIds.get(op.operationId)}'s`);
    else seenIds.set(op.operationId, where);
    for (const field of ["summary", "description"]) if (!op[field]) problem(where, `no ${field}`);
    if (!op.tags?.length) problem(where, "no tag");
    const role = op["x-vitrine-role"];
    if (!ROLES.has(role)) problem(where, `x-vitrine-role must be one of ${[...ROLES].join(", ")}`);
    else if (!op.description?.includes(`Least role: ${role}`)) problem(where, `the description does not state "Least role: ${role}"`);
    const params = [...(item.parameters || []), ...(op.parameters || [])].map(resolve);
    for (const name of templated) {
      if (!params.some((p) => p?.in === "path" && p.name === name && p.required === true)) {
        problem(where, `path parameter {${name}} is not declared (in: path, required: true)`);
      }
    }
    for (const p of params) {
      if (p?.in === "path" && !templated.includes(p.name)) problem(where, `path parameter ${p.name} is not in the path`);
    }
    const open = Array.isArray(op.security) && op.security.length === 0;
    if (role === "public" && !open) problem(where, "a public operation must have security: []");
    if (role && role !== "public" && open) problem(where, `a ${role} operation must not have security: []`);
    const responses = op.responses || {};
    if (!Object.keys(responses).some((c) => /^[23]/.test(c))) problem(where, "no success response");
    if (role && role !== "public" && !responses["401"]) problem(where, "no 401 response");
    for (const [code, raw] of Object.entries(responses)) {
      const r = resolve(raw);
      if (!r?.headers?.["X-Request-Id"]) problem(`${where} ${code}`, "no X-Request-Id header");
      if (/^[45]/.test(code) && !r?.content?.["application/problem+json"]) {
        problem(`${where} ${code}`, "an error response must be application/problem+json");
      }
    }
  }
}

report();

function report() {
  if (problems.length) {
    console.error(`${file}: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    exit(1);
  }
  console.log(`${file}: valid OpenAPI ${doc.openapi} (${seenIds.size} operations)`);
  exit(0);
}
