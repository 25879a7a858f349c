// Validates a JSON file against a JSON Schema (draft 2020-12) with the ajv that
// tools/openapi-lint pins. Usage: node validate_json.cjs SCHEMA DATA. Exit 0 when valid;
// 1 with the errors on stderr when not.
const fs = require("fs");
const path = require("path");
const modules = path.join(__dirname, "..", "..", "tools", "openapi-lint", "node_modules");
const Ajv2020 = require(path.join(modules, "ajv", "dist", "2020")).default;
const addFormats = require(path.join(modules, "ajv-formats")).default;

const [schemaPath, dataPath] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, "utf8")));
const data = JSON.parse(fs.readFileSync(dataPath, "utf8"));
if (!validate(data)) {
  console.error(JSON.stringify(validate.errors.slice(0, 20), null, 2));
  process.exit(1);
}
