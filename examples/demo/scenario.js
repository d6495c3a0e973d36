// The demo's Railway project, in the scenario format of tests/scenarios/
// (README.md there), served by tests/fakes/railway.js: an hour of two
// services, every minute, ending at END. Deterministic (the wiggles are
// sine waves, not random numbers), so scenario.json is committed; after a
// change here, write it again:
//
//   node examples/demo/scenario.js 2026-11-28T10:00:00Z >examples/demo/scenario.json
//
// What is planted:
//   api  deployment d-2 at END-45m ("api: remember item lookups in memory",
//        the sample repository's commit, examples/demo/service) brought an
//        unbounded cache: memory flat at 40% of 1 GB before it, then +20%
//        of the limit an hour, so 55% at END (of 1 GiB), far below the 80% warning
//        level but on course for the limit in about 2 h 15 m; traffic flat,
//        so the climb is not load
//   web  healthy: memory 45% of 512 MiB, 120 requests a minute, no 5xx
// scripts/demo replaces each deployment's `commit` with the sample
// repository's commit whose subject is the deployment's message.
'use strict';

const end = Date.parse(process.argv[2] || '');
if (Number.isNaN(end)) {
  process.stderr.write('usage: node scenario.js END (RFC 3339) >scenario.json\n');
  process.exit(2);
}
const END = end / 1000, START = END - 3600, STEP = 60;
const DEPLOYED = END - 45 * 60;
const wave = (t, period, amp) => amp * Math.sin((2 * Math.PI * (t - START)) / period);
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const round = (v) => Math.round(v * 1000) / 1000;
const GiB = 1024 ** 3, MiB = 1024 ** 2;

function series(fns) {
  const out = {};
  for (const [name, fn] of Object.entries(fns)) {
    out[name] = [];
    for (let t = START; t <= END; t += STEP) out[name].push([t, round(fn(t))]);
  }
  return out;
}

const api = {
  name: 'api',
  repo: 'octo-org/hello-world',
  root_dir: 'api',
  replicas: 1,
  series: series({
    memory: (t) => (0.40 + Math.max(0, t - DEPLOYED) / 3600 * 0.20 + wave(t, 420, 0.002)) * GiB,
    memory_limit: () => GiB,
    cpu: (t) => 0.5 + wave(t, 600, 0.02),
    cpu_limit: () => 2,
    requests: (t) => Math.round(1500 + wave(t, 1800, 40)),
    requests_5xx: () => 0,
    requests_4xx: (t) => Math.round(6 + wave(t, 900, 2)),
    latency_p95: (t) => 120 + wave(t, 1200, 6),
  }),
  deployments: [
    { id: 'd-2', at: iso(DEPLOYED), status: 'SUCCESS', commit: 'replaced by scripts/demo', message: 'api: remember item lookups in memory' },
  ],
};

const web = {
  name: 'web',
  repo: 'octo-org/hello-world',
  root_dir: 'web',
  replicas: 1,
  series: series({
    memory: (t) => (0.45 + wave(t, 1200, 0.01)) * 512 * MiB,
    memory_limit: () => 512 * MiB,
    cpu: (t) => 0.3 + wave(t, 900, 0.02),
    cpu_limit: () => 1,
    requests: (t) => Math.round(120 + wave(t, 1800, 8)),
    requests_5xx: () => 0,
    requests_4xx: () => 1,
    latency_p95: (t) => 90 + wave(t, 1500, 5),
  }),
  deployments: [
    { id: 'd-3', at: iso(END - 30 * 3600), status: 'SUCCESS', commit: 'replaced by scripts/demo', message: 'web: the shop front' },
  ],
};

const scenario = {
  description: "make demo's project: api leaks memory since deployment d-2 (an unbounded cache), still far below the memory thresholds; web is healthy",
  observation: {
    source: 'scenario', project: 'shop', environment: 'production',
    start: iso(START), end: iso(END), step_s: STEP, services: [api, web],
  },
  expect: [{ service: 'api', kind: 'memory_leak', severity: 'warning', deployment: 'd-2', method: 'trend' }],
};
// Indented like tests/scenarios/, a sample to a line.
process.stdout.write(JSON.stringify(scenario, null, 1).replace(/\[\n\s+(\d+),\n\s+([-\d.e+]+)\n\s+\]/g, '[$1, $2]') + '\n');
