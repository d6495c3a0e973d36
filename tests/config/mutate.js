#!/usr/bin/env node
'use strict';
/*
 * node mutate.js OUTDIR SEED COUNT FILE...: writes COUNT mutants of the
 * given files to OUTDIR (m0000.yml ...), each with 1 to 5 edits: a byte
 * replaced or inserted, a span deleted, the file cut short, a line
 * doubled or indented, a YAML token inserted. The same seed gives the same
 * files, so a disagreement found by mutants.test can be replayed.
 */
const fs = require('fs');
const path = require('path');
const { mulberry32 } = require('../lib/prng');

const [outdir, seedArg, countArg, ...inputs] = process.argv.slice(2);
const rand = mulberry32(Number(seedArg) >>> 0 || 1);
const pick = (n) => Math.floor(rand() * n);
const choice = (a) => a[pick(a.length)];

const special = Buffer.from(":-[]{}&*!|>'\"#%@` \t\n,?0123456789abcxyz%.");
const tokens = ['&a ', '*a', '!!str ', '? ', '- ', '---\n', '...\n', '|\n', '>-\n', '"', "'", '\\',
	'\u00e9', 'null', '~', 'true', 'yes', '0x1F', '.inf', '1e3', '{', '}', '[', ']', ': ', '#',
	'\n  ', '\n    ', '&b [x, *a]', '<<: ', '\r', '\t'].map((t) => Buffer.from(t));
const sources = inputs.map((f) => fs.readFileSync(f));

fs.mkdirSync(outdir, { recursive: true });
for (let i = 0; i < Number(countArg); i++) {
	let d = Buffer.from(choice(sources));
	for (let e = 1 + pick(5); e > 0; e--) {
		const p = pick(d.length + 1);
		switch (pick(7)) {
		case 0: if (d.length) d[Math.min(p, d.length - 1)] = choice(special); break;
		case 1: d = Buffer.concat([d.subarray(0, p), Buffer.from([choice(special)]), d.subarray(p)]); break;
		case 2: d = Buffer.concat([d.subarray(0, p), d.subarray(p + 1 + pick(8))]); break;
		case 3: d = d.subarray(0, p); break;
		case 4: case 5: {
			const lines = d.toString('latin1').split('\n');
			const k = pick(lines.length);
			if (pick(2)) lines.splice(k, 0, lines[k]); else lines[k] = ' ' + lines[k];
			d = Buffer.from(lines.join('\n'), 'latin1');
			break;
		}
		default: d = Buffer.concat([d.subarray(0, p), choice(tokens), d.subarray(p)]);
		}
	}
	fs.writeFileSync(path.join(outdir, `m${String(i).padStart(4, '0')}.yml`), d);
}
