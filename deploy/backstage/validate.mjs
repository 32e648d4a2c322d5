// Validates Backstage catalog YAML with Backstage's own code, as the catalog backend does when it reads a URL location:
// every document parsed with the `yaml` package (parseAllDocuments, as the backend's entity YAML parser does), then the
// catalog backend's default entity policies (namespace defaulting, envelope schema, field formats, no foreign root
// fields) and the kind's own validator from @backstage/catalog-model, then the relations its built-in kinds processor
// would emit, with every entity reference parsed by parseEntityRef.
//
// Usage: node validate.mjs FILE...   (or - for standard input)
// Prints one JSON object: {"entities": [ref...], "relations": [[source, type, target]...], "errors": [message...]}.
// Exit status: 0 when every document is a valid entity and no two share a reference, 1 otherwise, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Both packages through their CommonJS builds: Node 18 (Debian 12's) loads catalog-model's ESM build as CommonJS and
// finds none of its named exports; require gives the same code on every Node version.
const require = createRequire(import.meta.url);
const { parseAllDocuments } = require('yaml');
const {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} = require('@backstage/catalog-model');

// The catalog backend's default policy set (CatalogBuilder): the namespace default first, then the rest.
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  EntityPolicies.allOf([new SchemaValidEntityPolicy(), new FieldFormatEntityPolicy(), new NoForeignRootFieldsEntityPolicy()]),
]);

// BuiltinKindsEntityProcessor's validators: an entity must satisfy the one of its kind.
const kindValidators = [
  apiEntityV1alpha1Validator, componentEntityV1alpha1Validator, resourceEntityV1alpha1Validator,
  groupEntityV1alpha1Validator, locationEntityV1alpha1Validator, userEntityV1alpha1Validator,
  systemEntityV1alpha1Validator, domainEntityV1alpha1Validator,
];

// The spec fields BuiltinKindsEntityProcessor turns into relations for the kinds gpusched emits, with the default
// kind an unqualified reference gets (none: the reference must name its kind).
const relationFields = {
  component: [
    ['owner', 'ownedBy', 'Group'], ['subcomponentOf', 'partOf', 'Component'], ['providesApis', 'providesApi', 'API'],
    ['consumesApis', 'consumesApi', 'API'], ['dependsOn', 'dependsOn', undefined],
    ['dependencyOf', 'dependencyOf', undefined], ['system', 'partOf', 'System'],
  ],
  resource: [
    ['owner', 'ownedBy', 'Group'], ['dependsOn', 'dependsOn', undefined], ['dependencyOf', 'dependencyOf', undefined],
    ['system', 'partOf', 'System'],
  ],
  system: [['owner', 'ownedBy', 'Group'], ['domain', 'partOf', 'Domain']],
};

async function validateKind(entity) {
  for (const validator of kindValidators) {
    if (await validator.check(entity)) {
      return;
    }
  }
  throw new Error(`no validator accepts kind ${entity.kind} of ${entity.apiVersion}`);
}

function relationsOf(entity, source) {
  const out = [];
  for (const [field, type, defaultKind] of relationFields[entity.kind.toLowerCase()] ?? []) {
    const value = entity.spec?.[field];
    if (value === undefined) {
      continue;
    }
    for (const ref of [value].flat()) {
      const target = parseEntityRef(ref, { defaultKind, defaultNamespace: entity.metadata.namespace });
      out.push([source, type, stringifyEntityRef(target)]);
    }
  }
  return out;
}

async function main(files) {
  const report = { entities: [], relations: [], errors: [] };
  const seen = new Map();
  for (const file of files) {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    let index = 0;
    for (const document of parseAllDocuments(text)) {
      index++;
      const where = `${file === '-' ? 'stdin' : file} document ${index}`;
      if (document.errors.length > 0) {
        report.errors.push(`${where}: YAML error: ${document.errors[0].message}`);
        continue;
      }
      const json = document.toJSON();
      if (json === null || json === undefined) {
        continue;
      }
      if (typeof json !== 'object' || Array.isArray(json)) {
        report.errors.push(`${where}: expected an object at the root, got ${Array.isArray(json) ? 'an array' : typeof json}`);
        continue;
      }
      try {
        const entity = await policy.enforce(json);
        await validateKind(entity);
        const ref = stringifyEntityRef(entity);
        const key = ref.toLocaleLowerCase('en-US');
        if (seen.has(key)) {
          throw new Error(`${ref} is also ${seen.get(key)}: entity references must be unique (case-insensitively)`);
        }
        seen.set(key, where);
        report.entities.push(ref);
        report.relations.push(...relationsOf(entity, ref));
      } catch (e) {
        report.errors.push(`${where} (${json?.kind} ${json?.metadata?.name}): ${e.message}`);
      }
    }
  }
  return report;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs FILE... (- for standard input)');
  process.exit(2);
}
const report = await main(files);
console.log(JSON.stringify(report));
process.exit(report.errors.length === 0 ? 0 : 1);
