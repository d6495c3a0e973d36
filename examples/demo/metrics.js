// The demo project's metrics: two hours of three services, every 15 s,
// as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
// Deterministic: the same END always gives the same bytes (the wiggles
// are sine waves, not random numbers).
//
//   node metrics.js OUT END     END: RFC 3339, the demo's AUTOFIX_NOW
//
// What is planted (the demo's .autofix.yml watches the last hour):
//   checkout  healthy: 30% CPU, memory 45% of 512 MiB wavering by 1%,
//             20 req/s with 0.1% 5xx, p95 about 100 ms
//   api       a slow memory leak: flat at 40% of 1 GiB until END-45m, then
//             +20% of the limit an hour, so 55% at END, far below the 80%
//             warning level, but on course for the limit in about 2 h 15 m;
//             traffic flat at 25 req/s, so the climb is not load
//   payments  5xx rise: 0.2% of 12 req/s until END-20m, then 8%
//             (critical level 5%); memory and latency unchanged
// Cumulative series (CPU seconds, requests, histogram buckets) are
// counters, added up from per-second rates.
'use strict';
const fs = require('fs');

const [out, endArg] = process.argv.slice(2);
const end = Date.parse(endArg || '');
if (!out || Number.isNaN(end)) {
  process.stderr.write('usage: node metrics.js OUT END (END in RFC 3339)\n');
  process.exit(2);
}
const END = end / 1000, START = END - 2 * 3600, STEP = 15;
const MiB = 1048576, GiB = 1024 * MiB;
const min = (m) => m * 60;
const wave = (t, period, amp) => amp * Math.sin((2 * Math.PI * (t - START)) / period);

// le -> share of requests at most that long (cumulative, ends at 1).
const BUCKETS = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];

const services = {
  checkout: {
    cpu: () => 0.3,
    cpuLimit: 1,
    mem: (t) => (0.45 + wave(t, min(20), 0.01)) * 512 * MiB,
    memLimit: 512 * MiB,
    rps: (t) => 20 + wave(t, min(30), 1),
    err5xx: () => 0.001,
    latency: [0.6, 0.96, 1, 1, 1, 1],
  },
  api: {
    cpu: () => 0.5,
    cpuLimit: 2,
    mem: (t) => (0.4 + Math.max(0, t - (END - min(45))) / 3600 * 0.2 + wave(t, min(7), 0.002)) * GiB,
    memLimit: GiB,
    rps: () => 25,
    err5xx: () => 0,
    latency: [0.3, 0.8, 0.99, 1, 1, 1],
  },
  payments: {
    cpu: () => 0.2,
    cpuLimit: 1,
    mem: () => 0.3 * GiB,
    memLimit: GiB,
    rps: () => 12,
    err5xx: (t) => (t >= END - min(20) ? 0.08 : 0.002),
    latency: [0.1, 0.5, 0.97, 1, 1, 1],
  },
};

const families = {};
const sample = (name, labels, value, t) => {
  (families[name] = families[name] || []).push(`${name}{${labels}} ${value} ${t}`);
};
const fixed = (v) => Number(v.toFixed(3));

for (const [name, s] of Object.entries(services)) {
  const c = `container="${name}"`, l = `service="${name}"`;
  let cpuSeconds = 0, ok = 0, failed = 0;
  const inBucket = BUCKETS.map(() => 0);
  for (let t = START; t <= END; t += STEP) {
    if (t > START) {
      // What happened during the 15 s that end at t.
      const requests = s.rps(t) * STEP, errors = requests * s.err5xx(t);
      cpuSeconds += s.cpu(t) * STEP;
      ok += requests - errors;
      failed += errors;
      BUCKETS.forEach((_, i) => { inBucket[i] += requests * s.latency[i]; });
    }
    sample('container_cpu_usage_seconds_total', c, fixed(cpuSeconds), t);
    sample('container_spec_cpu_quota', c, s.cpuLimit * 100000, t);
    sample('container_spec_cpu_period', c, 100000, t);
    sample('container_memory_working_set_bytes', c, Math.round(s.mem(t)), t);
    sample('container_spec_memory_limit_bytes', c, s.memLimit, t);
    sample('http_requests_total', `${l},status="200"`, fixed(ok), t);
    sample('http_requests_total', `${l},status="500"`, fixed(failed), t);
    BUCKETS.forEach((le, i) => {
      sample('http_request_duration_seconds_bucket', `${l},le="${le}"`, fixed(inBucket[i]), t);
    });
  }
}

let text = '';
for (const [name, lines] of Object.entries(families)) text += `# TYPE ${name} gauge\n${lines.join('\n')}\n`;
fs.writeFileSync(out, `${text}# EOF\n`);
