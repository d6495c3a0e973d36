// The items API's tests: node test.js (exit 0 when they pass).
'use strict';
const assert = require('assert');
const cache = require('./cache');

let loads = 0;
const load = (key) => { loads++; return { key }; };

assert.deepStrictEqual(cache.remember('a', load), { key: 'a' });
assert.deepStrictEqual(cache.remember('a', load), { key: 'a' });
assert.strictEqual(loads, 1, 'a remembered item is not loaded again');
console.log('ok 1 - a remembered item is not loaded again');
