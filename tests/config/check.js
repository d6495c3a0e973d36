#!/usr/bin/env node
'use strict';
/*
 * The schema side of tests/config/agree.test: decides, independently of
 * the C loader, whether each .autofix.yml given is valid.
 *
 *   node check.js FILE...            one line per file: "FILE<TAB>valid" or
 *                                    "FILE<TAB>invalid<TAB>why"
 *   node check.js --defaults JSON FILE
 *                                    compares the schema's `default`s with the
 *                                    effective configuration JSON that
 *                                    `autofix validate --print FILE` gave, at
 *                                    every path FILE leaves out
 *
 * Most rules are the schema's (config-schema/autofix.schema.json, checked
 * with ajv). The rest cannot be said in JSON Schema, or concern the YAML
 * text rather than the data; each is implemented here on its own, as the
 * loader does in C (bot/config.c), and the list below says which check
 * stands for which rule of the loader:
 *
 *   size            > 1 MiB                       -> raw byte length
 *   encoding        not UTF-8                     -> TextDecoder({fatal: true})
 *   characters      control characters, stray BOM -> the YAML printable set
 *   tabs            a tab in a line's indentation -> the same line rule as C
 *   syntax          YAML syntax errors            -> the `yaml` package's errors
 *   duplicate keys  -> `yaml` with uniqueKeys: true
 *   documents       more than one                 -> parseAllDocuments().length
 *   directives      %YAML, %TAG                   -> doc.directives
 *   tags            explicit tags but !!str       -> node.tag in the AST
 *   keys            a key that is not a string    -> key scalars' resolved type
 *   alias bombs     > 10000 nodes once aliases are expanded, counted the way C
 *                   counts them (every scalar, key, mapping and list is one;
 *                   an alias weighs what its anchor's node weighs)
 *   recursion       an alias inside its own anchor, or to no anchor
 *   depth           > 64 nested collections
 *   NUL             a scalar holding U+0000 (C strings end there)
 *   numbers         .inf and .nan                 -> Number.isFinite
 *   upstreams       a service naming an upstream 'upstreams' does not declare
 *   redact          a pattern that does not compile. C compiles POSIX EREs,
 *                   this side JavaScript RegExps: the two agree on what the
 *                   corpus uses (unbalanced groups and brackets), not on every
 *                   exotic pattern.
 */
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const SCHEMA_FILE = path.join(__dirname, '..', '..', 'config-schema', 'autofix.schema.json');
const MAX_SIZE = 1024 * 1024;
const MAX_NODES = 10000;
const MAX_DEPTH = 64;
const STR_TAG = 'tag:yaml.org,2002:str';

const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

class Invalid extends Error {}
const fail = (why) => { throw new Invalid(why); };

function printable(cp) {
	return cp === 0x9 || cp === 0xA || cp === 0xD || (cp >= 0x20 && cp <= 0x7E) || cp === 0x85 ||
		(cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD && cp !== 0xFEFF) ||
		(cp >= 0x10000 && cp <= 0x10FFFF);
}

function checkText(buf) {
	if (buf.length > MAX_SIZE)
		fail(`larger than 1 MiB (${buf.length} bytes)`);
	let text;
	try {
		text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
	} catch (e) {
		fail('not valid UTF-8');
	}
	if (text.charCodeAt(0) === 0xFEFF)
		text = text.slice(1);
	for (const ch of text)
		if (!printable(ch.codePointAt(0)))
			fail(`control character U+${ch.codePointAt(0).toString(16).toUpperCase()}`);
	text.split('\n').forEach((line, i) => {
		const lead = /^[ \t\r]*/.exec(line)[0];
		if (lead.includes('\t') && line.length > lead.length)
			fail(`a tab in the indentation of line ${i + 1}`);
	});
	return text;
}

function checkTree(doc) {
	const weights = new Map();
	const open = new Set();

	function weigh(node, depth) {
		if (node === null || node === undefined)
			return 1; /* an empty value: libyaml reports an empty scalar */
		if (YAML.isAlias(node)) {
			const target = node.resolve(doc);
			if (!target)
				fail(`alias '*${node.source}' refers to no anchor`);
			if (open.has(target))
				fail(`alias '*${node.source}' inside its own anchor`);
			return weights.get(target) ?? weigh(target, depth);
		}
		if (node.tag && !(YAML.isScalar(node) && node.tag === STR_TAG))
			fail(`explicit tag '${node.tag}'`);
		let w = 1;
		if (YAML.isScalar(node)) {
			if (typeof node.value === 'string' && node.value.includes('\0'))
				fail('a scalar holds a NUL character');
			if (typeof node.value === 'number' && !Number.isFinite(node.value))
				fail(`a non-finite number (${node.source})`);
		} else if (YAML.isMap(node) || YAML.isSeq(node)) {
			if (depth > MAX_DEPTH)
				fail(`nested deeper than ${MAX_DEPTH} levels`);
			open.add(node);
			for (const item of node.items) {
				if (YAML.isPair(item)) {
					let key = item.key;
					if (YAML.isAlias(key))
						key = key.resolve(doc) || key;
					if (key !== null && (!YAML.isScalar(key) || typeof key.value !== 'string'))
						fail('a key that is not a string');
					if (key === null)
						fail('an empty key');
					w += weigh(item.key, depth + 1) + weigh(item.value, depth + 1);
				} else {
					w += weigh(item, depth + 1);
				}
			}
			open.delete(node);
		}
		weights.set(node, w);
		if (w > MAX_NODES)
			fail(`more than ${MAX_NODES} nodes once aliases are expanded`);
		return w;
	}
	weigh(doc.contents, 1);
}

function checkReferences(data) {
	if (!data || typeof data !== 'object' || Array.isArray(data))
		return;
	const declared = new Set(Object.keys(data.upstreams && typeof data.upstreams === 'object' ? data.upstreams : {}));
	for (const [name, svc] of Object.entries(data.services && typeof data.services === 'object' ? data.services : {}))
		if (svc && Array.isArray(svc.upstreams))
			for (const up of svc.upstreams)
				if (typeof up === 'string' && !declared.has(up))
					fail(`services.${name}: upstream '${up}' is not declared`);
	if (Array.isArray(data.redact))
		for (const re of data.redact)
			if (typeof re === 'string') {
				try {
					new RegExp(re);
				} catch (e) {
					fail(`redact: '${re}' does not compile`);
				}
			}
}

function check(file) {
	const text = checkText(fs.readFileSync(file));
	let docs;
	try {
		docs = YAML.parseAllDocuments(text, { uniqueKeys: true, merge: false, version: '1.2' });
	} catch (e) {
		fail(`YAML: ${e.message}`); /* e.g. a stack overflow on absurd nesting */
	}
	let data = null;
	if (Array.isArray(docs) && docs.length) {
		if (docs.length > 1)
			fail('more than one YAML document');
		const doc = docs[0];
		if (doc.errors.length)
			fail(`YAML: ${doc.errors[0].message.split('\n')[0]}`);
		const tags = doc.directives.tags;
		if (doc.directives.yaml.explicit || Object.keys(tags).some((k) => k !== '!!') ||
		    tags['!!'] !== 'tag:yaml.org,2002:')
			fail('a %YAML or %TAG directive');
		checkTree(doc);
		data = doc.toJS({ maxAliasCount: -1 });
	}
	if (!validate(data))
		fail('schema: ' + validate.errors.slice(0, 3)
			.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
	checkReferences(data);
}

/* Durations compare by value: the schema says '24h' where the loader prints '1d'. */
function durationMs(s) {
	const m = /^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/.exec(s);
	if (!m || s === '')
		return null;
	const f = [86400000, 3600000, 60000, 1000, 1];
	return m.slice(1).reduce((t, v, i) => t + (v ? Number(v) * f[i] : 0), 0);
}

function same(a, b) {
	if (typeof a === 'string' && typeof b === 'string' && durationMs(a) !== null && durationMs(b) !== null)
		return durationMs(a) === durationMs(b);
	if (a && b && typeof a === 'object' && typeof b === 'object') {
		const ka = Object.keys(a), kb = Object.keys(b);
		return ka.length === kb.length && ka.every((k) => k in b && same(a[k], b[k]));
	}
	return a === b;
}

function resolveRef(s) {
	while (s && s.$ref) {
		const name = s.$ref.replace('#/$defs/', '');
		s = { ...schema.$defs[name], ...s, $ref: undefined };
	}
	return s;
}

/*
 * For every path the source file leaves out, the loader's effective value
 * (from `autofix validate --print`) must equal the schema's `default`.
 * Prints one line per default met: "ok PATH" or "not ok PATH: ...".
 */
function compareDefaults(effective, source) {
	const out = [];
	const has = (o, k) => o !== null && typeof o === 'object' && k in o;
	function visit(s, value, src, where) {
		s = resolveRef(s);
		if (!s || value === undefined)
			return;
		if ('default' in s && src === undefined)
			out.push(same(s.default, value) ? `ok ${where}` :
				`not ok ${where}: schema ${JSON.stringify(s.default)}, loader ${JSON.stringify(value)}`);
		if (s.properties && value && typeof value === 'object')
			for (const [k, sub] of Object.entries(s.properties))
				visit(sub, value[k], has(src, k) ? src[k] : undefined, `${where}.${k}`);
		if (s.additionalProperties && typeof s.additionalProperties === 'object' && value && typeof value === 'object')
			for (const [k, v] of Object.entries(value))
				visit(s.additionalProperties, v, has(src, k) ? (src[k] ?? {}) : undefined, `${where}.${k}`);
		for (const alt of s.oneOf || [])
			if (alt.type === 'object' && value && typeof value === 'object')
				visit(alt, value, src, where);
	}
	visit(schema, effective, source, '$');
	return out;
}

const args = process.argv.slice(2);
if (args[0] === '--defaults') {
	const source = YAML.parse(fs.readFileSync(args[2], 'utf8'), { merge: false });
	const lines = compareDefaults(JSON.parse(fs.readFileSync(args[1], 'utf8')), source);
	console.log(lines.join('\n'));
	process.exit(lines.some((l) => l.startsWith('not ok')) ? 1 : 0);
}
for (const file of args) {
	try {
		check(file);
		console.log(`${file}\tvalid`);
	} catch (e) {
		if (!(e instanceof Invalid) && !(e instanceof RangeError))
			throw e;
		console.log(`${file}\tinvalid\t${e.message.replace(/\s+/g, ' ')}`);
	}
}
