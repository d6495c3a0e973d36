#!/usr/bin/env node
'use strict';
/*
 * The schema-key test (tests/config/keys.test): no key of
 * config-schema/autofix.schema.json may be accepted and then ignored.
 *
 *   node keys.js AUTOFIX TMPDIR      prints TAP
 *
 * Every leaf key of the schema is either
 *  - pending: `autofix validate` on tests/config/good/every-key.yml warns
 *    "KEY: accepted, not used yet (STAGE)" for it or a section holding it
 *    (the list is config_pending_keys in bot/config/pending.c, read only
 *    through that output), and nothing outside bot/config/ reads it yet; or
 *  - a row of tests/config/keys.txt: writing the row's value at the key
 *    changes the key's effective value in `autofix validate --print`, and
 *    the row's readers are found in the C sources outside bot/config/.
 * A leaf that is neither, or a row that matches no leaf, fails.
 */
const fs = require('fs');
const path = require('path');
const cp = require('child_process');
const YAML = require('yaml');
const { schemaKeys } = require('./schema-keys.js');

const [autofix, tmp] = process.argv.slice(2);
const root = path.join(__dirname, '..', '..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'config-schema', 'autofix.schema.json'), 'utf8'));
let n = 0, failed = 0;

function ok(pass, name, ...diag) {
	n++;
	console.log(`${pass ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!pass) {
		failed++;
		for (const d of diag)
			console.log(String(d).split('\n').map((l) => `# ${l}`).join('\n'));
	}
	return pass;
}

/* ---- the schema's keys ("services.*.path": '*' is any entry) ---------- */

const keys = new Set(schemaKeys(schema).keys());
const leaves = [...keys].filter((k) => ![...keys].some((o) => o.startsWith(k + '.')));
ok(leaves.length >= 50, `the schema has ${leaves.length} leaf keys`);

/* A schema key's one-segment '*' against a concrete path. */
const matchesKey = (key, concrete) => {
	const a = key.split('.'), b = concrete.split('.');
	return a.length === b.length && a.every((s, i) => s === '*' || s === b[i]);
};
/* A row's glob ('*': one or more segments) against a schema key. */
const globRe = (g) => new RegExp('^' + g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
	.join('.*') + '$');

/* ---- the C sources outside bot/config/, comments and strings removed ---- */

function sources(dir) {
	let out = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory() && p !== path.join(root, 'bot', 'config'))
			out = out.concat(sources(p));
		else if (e.isFile() && /\.c$/.test(e.name))
			out.push({ file: path.relative(root, p), text: fs.readFileSync(p, 'utf8')
				.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ')
				.replace(/"(?:\\.|[^"\\\n])*"/g, '""') });
	}
	return out;
}
const code = sources(path.join(root, 'bot'));
function readBy(r) {
	const m = /^([a-z_]+\/[A-Za-z0-9_.-]+):(.*)$/.exec(r);
	const where = m ? path.join('bot', m[1]) : '';
	r = m ? m[2] : r;
	const re = new RegExp(/^[a-z_][a-z0-9_]*$/.test(r) ? `(->|\\.)${r}\\b` :
		/^[A-Z_][A-Z0-9_]*$/.test(r) ? `\\b${r}\\b` : r);
	return code.filter((f) => f.file.startsWith(where) && re.test(f.text)).map((f) => f.file);
}

/* ---- validate ------------------------------------------------------------ */

const env = { ...process.env };
delete env.GITHUB_ACTIONS; /* plain "FILE:L:C: warning: ..." lines */
function validate(args) {
	const r = cp.spawnSync(autofix, ['validate', ...args], { env, encoding: 'utf8', timeout: 20000 });
	return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}

/* ---- pending keys, as validate reports them ----------------------------- */

const everyKey = path.join(root, 'tests', 'config', 'good', 'every-key.yml');
const pending = new Map(); /* schema key -> stage */
{
	const r = validate([everyKey]);
	ok(r.status === 0, 'validate accepts every-key.yml', r.stderr);
	for (const line of r.stderr.split('\n')) {
		const m = /: warning: ([^:]+): accepted, not used yet \((.*)\)/.exec(line);
		if (!m)
			continue;
		const key = [...keys].find((k) => matchesKey(k, m[1]));
		if (ok(key, `'${m[1]}' is reported pending and is a schema key`, line))
			pending.set(key, m[2].replace(/\);.*$/, ''));
	}
	console.log(`# validate reports ${pending.size} pending keys`);
}
const pendingOf = (leaf) => [...pending.keys()].find((p) => leaf === p || leaf.startsWith(p + '.'));

for (const [key, stage] of pending) {
	const field = key.split('.').filter((s) => s !== '*').pop();
	/* `path` is too common a member name: look for a service's */
	const re = field === 'path' ? '(svc|sc|service)->path\\b' : field;
	const readers = readBy(re);
	ok(readers.length === 0, `${key}: pending (${stage}); nothing outside bot/config/ reads it yet`,
	   `read in ${readers.join(', ')}: take '${key}' off config_pending_keys (bot/config/pending.c) ` +
	   'and give it a row in tests/config/keys.txt');
}

/* ---- the table ------------------------------------------------------------ */

const rows = fs.readFileSync(path.join(__dirname, 'keys.txt'), 'utf8').split('\n')
	.filter((l) => l && !l.startsWith('#')).map((l) => {
		const [glob, value, readers] = l.split('\t');
		return { glob, re: globRe(glob), value, readers, used: 0 };
	});

// An upstream and an llm in the base, so that keys that need one (services.*.upstreams, llm.*) can be set alone.
const base = {
	railway: { version: 1, source: { railway: { project: 'p-1' } }, services: { api: {} },
		upstreams: { github: {} }, llm: { provider: 'openai', model: 'base-model' } },
	prometheus: { version: 1, source: { prometheus: { url: 'http://127.0.0.1:9/base' } },
		services: { api: {} }, upstreams: { github: {} }, llm: { provider: 'openai', model: 'base-model' } },
};
let seq = 0;
function write(obj) {
	const f = path.join(tmp, `k${seq++}.yml`);
	fs.writeFileSync(f, JSON.stringify(obj, null, 1));
	return f;
}
function effective(obj) {
	const r = validate(['--quiet', '--print', write(obj)]);
	return r.status === 0 ? { json: JSON.parse(r.stdout) } : { err: r.stderr };
}
const baseline = {};
for (const [k, obj] of Object.entries(base)) {
	baseline[k] = effective(obj);
	ok(baseline[k].json, `the ${k} base file is valid`, baseline[k].err);
}
const get = (o, segs) => segs.reduce((v, s) => (v && typeof v === 'object' ? v[s] : undefined), o);
/*
 * Keys that cannot be written alone (a sibling is required): what goes
 * into the file with them, and into the baseline they are compared with.
 */
const companions = [
	[/^agent\.opencode\./, { agent: { opencode: { url: 'http://127.0.0.1:9/oc' } } }],
	[/^agent\.timeout$/, { agent: { command: 'true' } }],
	[/^verify\.timeout$/, { verify: { command: 'true' } }],
	[/^pull_requests\.author\./, { pull_requests: { author: { name: 'Base Bot', email: 'base@example.com' } } }],
];
const merge = (a, b) => {
	for (const [k, v] of Object.entries(b))
		a[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? merge(a[k], v) : v;
	return a;
};

for (const leaf of leaves.sort()) {
	const row = rows.find((r) => r.re.test(leaf));
	const p = pendingOf(leaf);
	if (p) {
		ok(!row, `${leaf}: pending under '${p}', and has no row`, `row '${row && row.glob}' says it is read`);
		continue;
	}
	if (!ok(row, `${leaf}: has a row in tests/config/keys.txt (or is pending in bot/config/pending.c)`))
		continue;
	row.used++;
	const segs = leaf.split('.').map((s) => (s === '*' ? 'api' : s));
	const kind = leaf.startsWith('source.prometheus') ? 'prometheus' : 'railway';
	const file = JSON.parse(JSON.stringify(base[kind]));
	const companion = companions.find(([re]) => re.test(leaf));
	let before0 = baseline[kind];
	if (companion) {
		merge(file, JSON.parse(JSON.stringify(companion[1])));
		before0 = effective(JSON.parse(JSON.stringify(file)));
	}
	let at = file;
	for (const s of segs.slice(0, -1))
		at = at[s] = at[s] && typeof at[s] === 'object' ? at[s] : {};
	const refused = row.value.startsWith('refused:');
	at[segs[segs.length - 1]] = YAML.parse(refused ? row.value.slice(8) : row.value);
	const got = effective(file);
	if (refused) {
		ok(!got.json, `${leaf}: ${row.value.slice(8)} is refused (the loader reads it)`);
		ok(row.readers === '-', `${leaf}: a refused-only key has no readers ('-')`);
		continue;
	}
	const before = get(before0.json, segs), after = got.json && get(got.json, segs);
	ok(got.json && JSON.stringify(before) !== JSON.stringify(after),
	   `${leaf}: ${row.value} changes the effective value (${JSON.stringify(before)} -> ${JSON.stringify(after)})`,
	   got.err || '');
	const missing = row.readers.split(' && ').filter((r) => readBy(r).length === 0);
	ok(row.readers !== '-' && missing.length === 0, `${leaf}: read outside bot/config/ (${row.readers})`,
	   `no match for ${missing.join(', ')}`);
}
for (const r of rows)
	ok(r.used > 0, `row '${r.glob}' matches a schema key that is not pending`);

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
