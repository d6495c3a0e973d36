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
 * loader does in C (bot/config/), and the list below says which check
 * stands for which rule of the loader:
 *
 *   size            > 1 MiB                       -> raw byte length
 *   encoding        not UTF-8                     -> TextDecoder({fatal: true})
 *   characters      control characters, stray BOM -> the YAML printable set;
 *                   a CR not followed by LF (readers disagree on it)
 *   tabs            a tab in a line's indentation -> the same line rule as C
 *   layout          a '#' right after ] } " ' , [ {, a '?' glued to the
 *                   word it starts, a ':' glued to [ ] { } or ',' (but for
 *                   "[:alpha:]" and JSON's "key":{), lines
 *                   starting with '? ' or ': '
 *                   (explicit keys), and lines of a value or a
 *                   [ ] / { } list not indented past the line it began on:
 *                   YAML readers disagree on both, so C and this file apply
 *                   the same textual rules (checkIndicators, checkSpans)
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
 *   anchor names    letters, digits, '_', '-' only (libyaml's rule; YAML 1.2
 *                   allows more, libyaml reports a syntax error)
 *   depth           > 64 nested collections
 *   NUL             a scalar holding U+0000 (C strings end there)
 *   escapes         a key or value that, unescaped, holds a control
 *                   character, a CR, or a line break outside the values of
 *                   commands and queries: checkUnescaped, the twin of
 *                   check_unescaped()
 *   numbers         .inf and .nan                 -> Number.isFinite
 *   upstreams       a service naming an upstream 'upstreams' does not declare
 *   window/step     a window not longer than the step (either may be the
 *                   default): checkWindowStep, the twin of rd_window_step()
 *   level order     a warning level above the critical one, once defaults,
 *                   project-wide and service thresholds are merged
 *                   (checkLevelOrder); levels of different units are not
 *                   compared
 *   redact          a pattern outside the subset that POSIX EREs (C) and
 *                   JavaScript read alike: portableRegex() is a line-by-line
 *                   twin of cfg_regex_not_portable() in bot/config/portable_regex.c; then each
 *                   side compiles it (regcomp there, RegExp here)
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
/* libyaml's rule for anchor and alias names, stricter than YAML 1.2's */
const ANCHOR = /^[A-Za-z0-9_-]+$/;

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
	if (/\r(?!\n)/.test(text))
		fail('a carriage return without a line feed');
	text.split('\n').forEach((line, i) => {
		const lead = /^[ \t\r]*/.exec(line)[0];
		if (lead.includes('\t') && line.length > lead.length)
			fail(`a tab in the indentation of line ${i + 1}`);
	});
	return text;
}

function checkIndicators(text) {
	text.split('\n').forEach((line, n) => {
		if (/^ *#/.test(line))
			return;
		const m = /[\]}"',[{]#/.exec(line);
		if (m)
			fail(`a '#' right after '${m[0][0]}' on line ${n + 1}`);
		if (/(?<!["'])(?::[[{},]|(?<!\[:[a-z]+):\])/.test(line))
			fail(`a ':' glued to a bracket or comma on line ${n + 1}`);
		if (/^ *[?:](?:[ \t\r]|$)/.test(line))
			fail(`line ${n + 1} starts with an explicit key or value indicator`);
		if (/(?:^|[ [{,])\?[^ \t\r]/.test(line))
			fail(`a '?' glued to the text after it on line ${n + 1}`);
	});
}

/* The indentation of a line, "- " sequence indicators counted as indentation. */
function lineIndent(line) {
	return /^(?: *-(?= |\r|$))* */.exec(line)[0].length;
}

function checkSpans(doc, text) {
	const lines = text.split('\n');
	const lineOf = (offset) => {
		let n = 0;
		for (let i = 0; i < offset; i++)
			if (text.charCodeAt(i) === 10)
				n++;
		return n;
	};
	function span(node) {
		const first = lineOf(node.range[0]), last = lineOf(node.range[1]);
		const need = lineIndent(lines[first]);
		for (let l = first + 1; l <= last; l++) {
			const line = lines[l];
			if (/^[ \t\r]*$/.test(line))
				continue;
			const ind = /^ */.exec(line)[0].length;
			const closer = /^ *[\]}][ \r]*$/.test(line);
			if (ind > need || (closer && ind === need))
				continue;
			fail(`line ${l + 1} continues what line ${first + 1} began and is not indented more`);
		}
	}
	function visit(node, inFlow) {
		if (!node || YAML.isAlias(node))
			return;
		if (YAML.isScalar(node)) {
			if (!inFlow && !['BLOCK_LITERAL', 'BLOCK_FOLDED'].includes(node.type))
				span(node);
			return;
		}
		if (YAML.isMap(node) || YAML.isSeq(node)) {
			if (node.flow && !inFlow)
				span(node);
			for (const item of node.items) {
				if (YAML.isPair(item)) {
					visit(item.key, inFlow || node.flow);
					visit(item.value, inFlow || node.flow);
				} else {
					visit(item, inFlow || node.flow);
				}
			}
		}
	}
	visit(doc.contents, false);
}

/* The values that may hold several lines: multiline_keys in bot/config/yaml_tree.c. */
const MULTILINE = [/^verify$/, /^verify\.command$/, /^agent\.command$/, /^source\.prometheus\.queries\.[^.]+$/];

/*
 * The twin of check_unescaped() in bot/config/yaml_tree.c: every scalar,
 * key or value, escapes undone, holds only what checkText allows in the
 * file, no CR, and a line break only in the value of a MULTILINE key.
 * Aliases are checked where their anchor is, as libyaml's events are.
 */
function checkUnescaped(node, at) {
	function check(str, isKey, where) {
		for (const ch of str) {
			const cp = ch.codePointAt(0);
			if (cp === 0xA && (isKey || !MULTILINE.some((re) => re.test(where))))
				fail(`${where}: a line break in a ${isKey ? 'key' : 'value'}`);
			if (!printable(cp) || cp === 0xD)
				fail(`${where}: control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}, ` +
				     'written as an escape');
		}
	}
	if (!node || YAML.isAlias(node))
		return;
	if (YAML.isScalar(node)) {
		if (typeof node.value === 'string' && !node.value.includes('\0'))
			check(node.value, false, at);
	} else if (YAML.isMap(node)) {
		for (const item of node.items) {
			const k = item.key;
			if (YAML.isScalar(k) && typeof k.value === 'string') {
				check(k.value, true, at);
				checkUnescaped(item.value, at ? `${at}.${k.value}` : k.value);
			}
		}
	} else if (YAML.isSeq(node)) {
		node.items.forEach((item, i) => checkUnescaped(item, `${at}[${i}]`));
	}
}

function checkTree(doc) {
	const weights = new Map();
	const open = new Set();

	function weigh(node, depth) {
		if (node === null || node === undefined)
			return 1; /* an empty value: libyaml reports an empty scalar */
		if (node.anchor !== undefined && !ANCHOR.test(node.anchor))
			fail(`anchor name '${node.anchor}'`);
		if (YAML.isAlias(node)) {
			if (!ANCHOR.test(node.source))
				fail(`alias name '${node.source}'`);
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

/*
 * The twin of cfg_regex_not_portable() in bot/config/portable_regex.c:
 * null when portable, else why not.
 */
function portableRegex(re) {
	const CLASSES = ['alpha', 'digit', 'alnum', 'upper', 'lower', 'space', 'punct', 'xdigit'];
	const bytes = Buffer.from(re, 'utf8');
	const s = (i) => (i < bytes.length ? String.fromCharCode(bytes[i]) : '');
	let pos = 0;
	class Bad extends Error {}
	const bad = (msg) => { throw new Bad(msg); };
	function bracket() {
		let prev = -1;
		if (s(pos) === '^')
			pos++;
		const start = pos;
		for (;;) {
			const c = s(pos);
			if (c === '')
				bad("a '[' without its ']'");
			if (c === ']') {
				if (pos === start)
					bad("an empty [ ], or ']' first inside [ ]");
				pos++;
				return;
			}
			if (c === '\\')
				bad('a backslash inside [ ]');
			if (bytes[pos] >= 0x80)
				bad('a non-ASCII character inside [ ]');
			if (c === '[') {
				const rest = bytes.subarray(pos + 2).toString('latin1');
				const end = rest.indexOf(':]');
				if (s(pos + 1) !== ':' || end < 0)
					bad("a '[' inside [ ] that is not a class like [:alpha:]");
				if (!CLASSES.includes(rest.slice(0, end)))
					bad('an unknown class inside [ ]');
				pos += 2 + end + 2;
				prev = -1;
				continue;
			}
			if (c === '-' && prev >= 0 && s(pos + 1) !== '' && s(pos + 1) !== ']') {
				const hi = bytes[pos + 1];
				if (s(pos + 1) === '\\' || s(pos + 1) === '[' || hi >= 0x80)
					bad('a range that ends in a class or an escape');
				if (hi < prev)
					bad('a range whose end comes before its start');
				pos += 2;
				prev = -1;
				continue;
			}
			prev = bytes[pos];
			pos++;
		}
	}
	function interval() {
		const m = /^\{([0-9]{1,3})(?:(,)([0-9]{1,3})?)?\}/.exec(bytes.subarray(pos).toString('latin1'));
		if (!m)
			return false;
		const lo = Number(m[1]), hi = m[2] ? (m[3] === undefined ? -1 : Number(m[3])) : lo;
		if (lo > 255 || hi > 255 || (hi >= 0 && hi < lo))
			return false;
		pos += m[0].length;
		return true;
	}
	function alternatives(depth) {
		for (;;) {
			let atoms = 0, repeatable = false;
			for (;;) {
				const c = s(pos);
				if (c === '' || c === '|' || c === ')')
					break;
				atoms++;
				if (c === '(') {
					if (depth >= 16)
						bad('groups nested deeper than 16');
					if (s(++pos) === '?')
						bad("'(?', a JavaScript group");
					alternatives(depth + 1);
					if (s(pos) !== ')')
						bad("a '(' without its ')'");
					pos++;
					repeatable = true;
				} else if (c === '[') {
					pos++;
					bracket();
					repeatable = true;
				} else if (c === '\\') {
					if (s(pos + 1) === '' || !'.[](){}*+?|^$\\/-'.includes(s(pos + 1)))
						bad('a backslash before a letter, digit or nothing');
					pos += 2;
					repeatable = true;
				} else if (c === '*' || c === '+' || c === '?') {
					if (!repeatable)
						bad("a '*', '+' or '?' with nothing to repeat");
					pos++;
					repeatable = false;
				} else if (c === '{') {
					if (!repeatable || !interval())
						bad("a '{' that is not a count");
					repeatable = false;
				} else if (c === ']' || c === '}') {
					bad("a ']' or '}' alone");
				} else if (c === '^' || c === '$') {
					pos++;
					repeatable = false;
				} else {
					pos++;
					repeatable = true;
				}
			}
			if (!atoms)
				bad('an empty alternative');
			if (s(pos) !== '|')
				return;
			pos++;
		}
	}
	try {
		alternatives(0);
		if (s(pos) === ')')
			bad("a ')' without its '('");
		return null;
	} catch (e) {
		if (e instanceof Bad)
			return e.message;
		throw e;
	}
}

/* A level's value in its unit's base, and the unit; null for null or a malformed level. */
function levelValue(v) {
	if (typeof v !== 'string')
		return null;
	let m = /^([0-9.]+)%$/.exec(v);
	if (m)
		return { unit: '%', value: Number(m[1]) / 100 };
	m = /^([0-9.]+)(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(v);
	if (m) {
		const f = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2,
			GiB: 1024 ** 3, TiB: 1024 ** 4 }[m[2]];
		return { unit: 'B', value: Number(m[1]) * f };
	}
	const ms = durationMs(v);
	return ms === null ? null : { unit: 'ms', value: ms };
}

function checkLevelOrder(data) {
	if (!data || typeof data !== 'object')
		return;
	const isObj = (o) => o !== null && typeof o === 'object' && !Array.isArray(o);
	const defaults = schema.properties.thresholds.properties;
	const project = isObj(data.thresholds) ? data.thresholds : {};
	function check(t, where) {
		const w = levelValue(t.warning), c = levelValue(t.critical);
		if (w && c && w.unit === c.unit && w.value > c.value)
			fail(`${where}: the warning level is above the critical level`);
	}
	for (const [sig, t] of Object.entries(project))
		if (isObj(t) && defaults[sig])
			check({ ...defaults[sig].default, ...t }, `thresholds.${sig}`);
	for (const [name, svc] of Object.entries(isObj(data.services) ? data.services : {}))
		if (isObj(svc) && isObj(svc.thresholds))
			for (const [sig, t] of Object.entries(svc.thresholds))
				if (isObj(t) && defaults[sig])
					check({ ...defaults[sig].default, ...(isObj(project[sig]) ? project[sig] : {}), ...t },
						`services.${name}.thresholds.${sig}`);
}

function checkWindowStep(data) {
	if (!data || typeof data !== 'object' || Array.isArray(data))
		return;
	const w = durationMs(data.window ?? schema.properties.window.default);
	const st = durationMs(data.step ?? schema.properties.step.default);
	if (w !== null && st !== null && w <= st)
		fail(`window: the window (${w} ms) must be longer than the step (${st} ms)`);
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
			if (typeof re === 'string' && re !== '') {
				const why = portableRegex(re);
				if (why)
					fail(`redact: '${re}': ${why}`);
				try {
					new RegExp(re);
				} catch (e) {
					fail(`redact: '${re}' does not compile`);
				}
			}
}

function check(file) {
	const text = checkText(fs.readFileSync(file));
	checkIndicators(text);
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
		checkUnescaped(doc.contents, '');
		checkSpans(doc, text);
		data = doc.toJS({ maxAliasCount: -1 });
	}
	if (!validate(data))
		fail('schema: ' + validate.errors.slice(0, 3)
			.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
	checkReferences(data);
	checkWindowStep(data);
	checkLevelOrder(data);
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
 *
 * A `default` inside an object applies where that object is written and
 * leaves the key out (JSON Schema's meaning). Where the object itself is
 * left out, its own `default` stands for it as if written (so a threshold
 * block's `enabled: true` does not contradict error_rate_4xx's block
 * default `enabled: false`), and a service's thresholds start from the
 * project's effective ones rather than from the schema's defaults.
 */
function compareDefaults(effective, source) {
	const out = [];
	const has = (o, k) => o !== null && typeof o === 'object' && k in o;
	const isObj = (o) => o !== null && typeof o === 'object' && !Array.isArray(o);
	/* role: 'service' for an entry of `services`, 'serviceThresholds' for its `thresholds` */
	function visit(s, value, src, where, role) {
		s = resolveRef(s);
		if (!s || value === undefined)
			return;
		if ('default' in s && src === undefined) {
			out.push(same(s.default, value) ? `ok ${where}` :
				`not ok ${where}: schema ${JSON.stringify(s.default)}, loader ${JSON.stringify(value)}`);
			if (isObj(s.default))
				src = s.default;
		}
		if (role === 'serviceThresholds' && isObj(effective.thresholds)) {
			const own = isObj(src) ? src : {};
			src = Object.fromEntries(Object.keys(effective.thresholds)
				.map((k) => [k, own[k] ?? effective.thresholds[k]]));
		}
		if (s.properties && value && typeof value === 'object')
			for (const [k, sub] of Object.entries(s.properties))
				visit(sub, value[k], has(src, k) ? src[k] : undefined, `${where}.${k}`,
					role === 'service' && k === 'thresholds' ? 'serviceThresholds' : undefined);
		if (s.additionalProperties && typeof s.additionalProperties === 'object' && value && typeof value === 'object')
			for (const [k, v] of Object.entries(value))
				visit(s.additionalProperties, v, has(src, k) ? (src[k] ?? {}) : undefined, `${where}.${k}`,
					where === '$.services' ? 'service' : undefined);
		for (const alt of s.oneOf || [])
			if (alt.type === 'object' && value && typeof value === 'object')
				visit(alt, value, src, where, role);
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
