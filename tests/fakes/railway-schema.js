// Railway's GraphQL schema for the tests, and a checker that holds a
// request body to it: the document must parse and validate, and the
// variables must coerce to the declared types. Shared by the schema test
// and the fake Railway server.
//
// Two schemas: the trimmed SDL in tests/fakes/railway.graphql (always
// here: what every test validates against) and, when present, Railway's
// published introspection result at $SHARED_DATA_DIR/railway/schema.json,
// which agreement() holds the trimmed SDL to.
'use strict';
const fs = require('fs');
const path = require('path');
const graphql = require('graphql');

const SDL_PATH = path.join(__dirname, 'railway.graphql');

function schemaPath() {
  const dir = process.env.SHARED_DATA_DIR;
  return dir ? path.join(dir, 'railway', 'schema.json') : null;
}

// The trimmed schema (tests/fakes/railway.graphql), or the SDL text given.
function loadSchema(sdl) {
  return graphql.buildSchema(sdl === undefined ? fs.readFileSync(SDL_PATH, 'utf8') : sdl);
}

// Railway's full schema, or null when the introspection result is absent.
function loadFullSchema() {
  const p = schemaPath();
  if (!p || !fs.existsSync(p)) return null;
  const intro = JSON.parse(fs.readFileSync(p, 'utf8'));
  // Railway's schema breaks a rule graphql-js 17 enforces on schemas (a deprecated
  // Team.id implementing Node.id); documents are still validated in full.
  return graphql.buildClientSchema(intro.data || intro, { assumeValid: true });
}

// Returns { document, errors: [messages] } for a request body object.
function checkBody(schema, body) {
  if (!body || typeof body.query !== 'string') return { errors: ['body has no "query" string'] };
  let document;
  try {
    document = graphql.parse(body.query);
  } catch (e) {
    return { errors: [`syntax: ${e.message}`] };
  }
  const errs = graphql.validate(schema, document).map((e) => e.message);
  if (errs.length) return { document, errors: errs };
  const args = graphql.validateExecutionArgs({
    schema, document, variableValues: body.variables || {},
  });
  if (Array.isArray(args)) return { document, errors: args.map((e) => e.message) };
  return { document, errors: [] };
}

function argMap(field) {
  return new Map(field.args.map((a) => [a.name, String(a.type)]));
}

// What in the trimmed schema disagrees with the full one: a type, field or
// enum value the full schema lacks, another type or kind, a field whose
// arguments are not exactly the full schema's (a missing required one would
// let a document pass here and fail at Railway), an input type whose fields
// differ. Returns a list of messages, empty when they agree.
function agreement(trimmed, full) {
  const out = [];
  if (trimmed.getQueryType().name !== full.getQueryType().name) out.push('the query root has another name');
  for (const [name, t] of Object.entries(trimmed.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const f = full.getType(name);
    if (!f) { out.push(`type ${name}: not in Railway's schema`); continue; }
    if (t.constructor !== f.constructor) { out.push(`type ${name}: a ${t.constructor.name} here, a ${f.constructor.name} there`); continue; }
    if (graphql.isObjectType(t)) {
      const ff = f.getFields();
      for (const [fname, field] of Object.entries(t.getFields())) {
        const g = ff[fname];
        if (!g) { out.push(`${name}.${fname}: not in Railway's schema`); continue; }
        if (String(field.type) !== String(g.type)) out.push(`${name}.${fname}: ${field.type} here, ${g.type} there`);
        const mine = argMap(field), theirs = argMap(g);
        for (const [a, ty] of mine) {
          if (!theirs.has(a)) out.push(`${name}.${fname}(${a}): not in Railway's schema`);
          else if (theirs.get(a) !== ty) out.push(`${name}.${fname}(${a}): ${ty} here, ${theirs.get(a)} there`);
        }
        for (const [a, ty] of theirs) if (!mine.has(a)) out.push(`${name}.${fname}(${a}: ${ty}): missing here`);
      }
    } else if (graphql.isInputObjectType(t)) {
      const mine = t.getFields(), theirs = f.getFields();
      for (const [fname, field] of Object.entries(mine)) {
        if (!theirs[fname]) out.push(`input ${name}.${fname}: not in Railway's schema`);
        else if (String(field.type) !== String(theirs[fname].type)) out.push(`input ${name}.${fname}: ${field.type} here, ${theirs[fname].type} there`);
      }
      for (const fname of Object.keys(theirs)) if (!mine[fname]) out.push(`input ${name}.${fname}: missing here`);
    } else if (graphql.isEnumType(t)) {
      const theirs = new Set(f.getValues().map((v) => v.name));
      for (const v of t.getValues()) if (!theirs.has(v.name)) out.push(`enum ${name}.${v.name}: not in Railway's schema`);
    } else if (!graphql.isScalarType(t)) {
      out.push(`type ${name}: a ${t.constructor.name}, which the check does not know`);
    }
  }
  return out;
}

module.exports = { loadSchema, loadFullSchema, checkBody, agreement, schemaPath, SDL_PATH };
