// Railway's published GraphQL schema (the introspection result under
// $SHARED_DATA_DIR/railway/schema.json) and a checker that holds a request
// body to it: the document must parse and validate, and the variables
// must coerce to the declared types. Shared by the schema test and the
// fake Railway server.
'use strict';
const fs = require('fs');
const path = require('path');
const graphql = require('graphql');

function schemaPath() {
  const dir = process.env.SHARED_DATA_DIR;
  return dir ? path.join(dir, 'railway', 'schema.json') : null;
}

function loadSchema() {
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

module.exports = { loadSchema, checkBody, schemaPath };
