// mulberry32: a small seeded PRNG, the same sequence for the same state, so
// that a seed names a test's run (tests/fakes/faults.js, tests/config/mutate.js).
// mulberry32(state) returns a function giving numbers in [0, 1).
'use strict';

function mulberry32(state) {
  let s = state >>> 0;
  return function random() {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { mulberry32 };
