// GitHub's REST API as its OpenAPI description (@octokit/openapi) has it,
// for the fakes that must refuse what GitHub would: which operation a
// method and path are, and $ref resolution inside the description.
'use strict';
const spec = require('@octokit/openapi/generated/api.github.com.json');

// Follows $ref pointers ("#/components/...") to the object they name.
function resolve(obj) {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, '').split('/');
    obj = parts.reduce((o, p) => o[p.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return obj;
}

// Routes: every path template of the description, most literal first.
const routes = Object.keys(spec.paths)
  .map((template) => {
    const names = [];
    const re = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name) => {
      names.push(name);
      // A ref, a file path or base...head may contain slashes.
      return ['ref', 'path', 'basehead'].includes(name) ? '(.+)' : '([^/]+)';
    });
    const literal = template.replace(/\{[^}]+\}/g, '').length;
    return { template, re: new RegExp(`^${re}$`), names, literal };
  })
  .sort((a, b) => b.literal - a.literal);

// The operation for method on pathname: {template, op, params}, or null
// when the description has none.
function route(method, pathname) {
  for (const r of routes) {
    const m = r.re.exec(pathname);
    if (!m) continue;
    const op = spec.paths[r.template][method.toLowerCase()];
    if (!op) continue;
    const params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { template: r.template, op, params };
  }
  return null;
}

module.exports = { spec, resolve, route };
