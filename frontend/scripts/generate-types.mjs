// Writes the canvas's TypeScript model types and vocabulary literals from the schemas Baton
// dumps (`baton schema`, `baton openapi`; `make types` refreshes the dumps in ../schema).
// `npm run build` and `npm run typecheck` run this; tests/designer/test_generated_types.py
// checks that the dumps match the Python models and the committed files match the dumps.
//
//   node scripts/generate-types.mjs            write src/generated/*.ts (when they change)
//   node scripts/generate-types.mjs --check    exit 1, naming the file, when one is stale
//   node scripts/generate-types.mjs --out DIR  write into DIR instead
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OPTIONS = {
  rootTypes: true, // `export type Workflow = components["schemas"]["Workflow"]`
  rootTypesNoSchemaPrefix: true,
  enumValues: true, // `export const fieldTypeValues = [...]`: the vocabularies as arrays
  // A field with a default may be left out of what is sent. Responses carry every field,
  // and the API document says so by listing them all as required (designer/openapi.py).
  defaultNonNullable: false,
};

/** The workflow JSON Schema as an OpenAPI shell, so one generator serves both dumps. */
function workflowAsOpenapi(schema) {
  const { $defs = {}, ...workflow } = schema;
  const document = {
    openapi: "3.1.0",
    info: { title: schema.title, version: String(schema["x-baton-schema-version"]) },
    paths: {},
    components: { schemas: { ...$defs, Workflow: workflow } },
  };
  return JSON.parse(JSON.stringify(document).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

const WORKFLOW_SCHEMA = "schema/workflow.schema.json";
/** Marks an API schema that is a part of the workflow document: workflow.ts declares it. */
const DOCUMENT_TYPE = "x-baton-document-type";
/** Marks such a schema as a response's copy, which carries every field. */
const EVERY_FIELD = "x-baton-every-field";

/**
 * The API document without its paths (the canvas reads the schemas; the paths' request and
 * response boilerplate would only repeat them), and with each part of the workflow document
 * (pydantic names them `Workflow-Input`, `Workflow-Output`, `FieldType`, …) reduced to a marker
 * that {@link documentTypeFromWorkflowTs} turns into workflow.ts's type of that part.
 */
async function apiNamingTheDocument(document) {
  const workflow = JSON.parse(await readFile(path.join(root, WORKFLOW_SCHEMA), "utf8"));
  const parts = new Set([...Object.keys(workflow.$defs ?? {}), "Workflow"]);
  const schemas = Object.fromEntries(
    Object.entries(document.components.schemas).map(([name, schema]) => {
      const [part, side] = name.split("-");
      if (!parts.has(part)) return [name, schema];
      // A response carries every field (designer/openapi.py marks them all required).
      const everyField = side === "Output";
      return [name, { type: "object", description: schema.description, [DOCUMENT_TYPE]: part, [EVERY_FIELD]: everyField }];
    }),
  );
  return { ...document, paths: {}, components: { ...document.components, schemas } };
}

/** `Doc.components["schemas"]["FormField"]`, wrapped in `Required<…>` for a response's copy. */
function documentTypeFromWorkflowTs(schema) {
  const part = schema[DOCUMENT_TYPE];
  if (part === undefined) return undefined;
  const { factory } = ts;
  const literal = (text) => factory.createLiteralTypeNode(factory.createStringLiteral(text));
  const components = factory.createTypeReferenceNode(factory.createQualifiedName(factory.createIdentifier("Doc"), "components"));
  const type = factory.createIndexedAccessTypeNode(factory.createIndexedAccessTypeNode(components, literal("schemas")), literal(part));
  return schema[EVERY_FIELD] ? factory.createTypeReferenceNode("Required", [type]) : type;
}

const TARGETS = [
  {
    source: WORKFLOW_SCHEMA,
    output: "workflow.ts",
    made: "`baton schema` (graphs/schema.py)",
    prepare: workflowAsOpenapi,
    imports: "",
  },
  {
    source: "schema/openapi.json",
    output: "api.ts",
    made: "`baton openapi` (designer/openapi.py)",
    prepare: apiNamingTheDocument,
    transform: documentTypeFromWorkflowTs,
    // The workflow document's types have one owner: workflow.ts.
    imports: 'import type * as Doc from "./workflow";\n\n',
  },
];

/**
 * Drops a property's `…Values` array when a vocabulary of its own has the same name:
 * `AdminCommand.kind` (the one value "admin") and the `AdminCommandKind` enum both
 * become `adminCommandKindValues`, and the enum is the vocabulary the canvas reads.
 */
function withoutShadowedValues(text) {
  const declared = /^export const (\w+Values): ReadonlyArray<.*?\["schemas"\]\["\w+"\]>/gm;
  const vocabularies = new Set([...text.matchAll(declared)].map((match) => match[1]));
  return text
    .split("\n")
    .filter((line) => {
      const name = /^export const (\w+Values): ReadonlyArray<.*\]\["\w+"\]\["\w+"\]>/.exec(line);
      return !(name && vocabularies.has(name[1]));
    })
    .join("\n");
}

async function render(target) {
  const schema = JSON.parse(await readFile(path.join(root, target.source), "utf8"));
  const ast = await openapiTS(await target.prepare(schema), { ...OPTIONS, transform: target.transform });
  const header =
    `// Generated by scripts/generate-types.mjs from ${target.source}, dumped by ${target.made}.\n` +
    "// Do not edit: change the Python model, run `make types`, and commit the result.\n\n" +
    target.imports;
  return header + withoutShadowedValues(astToString(ast));
}

async function main(argv) {
  const check = argv.includes("--check");
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 ? path.resolve(argv[outIndex + 1]) : path.join(root, "src/generated");
  await mkdir(outDir, { recursive: true });
  let stale = 0;
  for (const target of TARGETS) {
    const text = await render(target);
    const file = path.join(outDir, target.output);
    if (check) {
      const current = await readFile(file, "utf8").catch(() => "");
      if (current !== text) {
        stale += 1;
        console.error(`${path.relative(root, file)} is stale: run \`make types\` and commit it`);
      }
    } else if ((await readFile(file, "utf8").catch(() => "")) !== text) {
      await writeFile(file, text); // unchanged files keep their time, so make sees no change
    }
  }
  process.exitCode = stale ? 1 : 0;
}

await main(process.argv.slice(2));
