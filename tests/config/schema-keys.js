'use strict';
/*
 * The keys of config-schema/autofix.schema.json, as the configuration tests
 * (keys.js, docs.test) see them: dotted paths from the root ("source.railway.
 * project"), '*' for any entry of a map ("services.*.path"), through $refs and
 * the alternatives of oneOf/anyOf ("agent.command", "verify.timeout").
 *
 *   schemaKeys(schema) -> Map(key -> {schema, def, children})
 *     schema    the key's schema, $refs resolved
 *     def       the innermost object definition ($defs/NAME with properties)
 *               the key lies in or is, as {name, at: the key that refers to
 *               it}, or null: keys under thresholds.cpu and under
 *               services.*.thresholds.cpu share {name: 'cpuThreshold'}
 *     children  how many keys lie directly below it (0: a leaf)
 */

function schemaKeys(schema) {
  const defOf = (ref) => ref.replace('#/$defs/', '');
  const resolve = (s) => {
    while (s && s.$ref) s = { ...schema.$defs[defOf(s.$ref)], ...s, $ref: undefined };
    return s;
  };
  const objectDef = (raw, at) => (raw.$ref && resolve(raw).properties ? { name: defOf(raw.$ref), at } : null);
  const keys = new Map();
  const add = (key, parent, raw, def) => {
    if (!keys.has(key)) keys.set(key, { schema: resolve(raw), def, children: 0 });
    if (parent) keys.get(parent).children++;
  };
  (function walk(raw, at, def) {
    const s = resolve(raw);
    if (!s) return;
    for (const [k, sub] of Object.entries(s.properties || {})) {
      const key = at ? `${at}.${k}` : k;
      const subDef = objectDef(sub, key) || def;
      add(key, at, sub, subDef);
      walk(sub, key, subDef);
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      add(`${at}.*`, at, s.additionalProperties, def);
      walk(s.additionalProperties, `${at}.*`, def);
    }
    for (const alt of [...(s.oneOf || []), ...(s.anyOf || [])]) walk(alt, at, def);
  })(schema, '', null);
  return keys;
}

module.exports = { schemaKeys };
