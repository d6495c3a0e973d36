#!/usr/bin/env node
// Writes the detector's scenario corpus: one JSON file per case in this
// directory, in the observation format of bot/metrics.h plus what the
// detector must find. Deterministic: every case has its own seeded PRNG,
// so running this again rewrites identical files. The files are committed;
// run `node tests/scenarios/generate.js` after changing a case here.
'use strict';

const fs = require('fs');
const path = require('path');

const GiB = 1073741824;
const MiB = 1048576;
const START = Date.parse('2026-11-28T09:30:00Z');

// mulberry32: small, seedable, good enough for test noise.
function prng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const gauss = () => {
		const u = Math.max(next(), 1e-12), v = next();
		return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
	};
	// Poisson-ish count around mean (normal approximation, clamped at 0).
	const count = (mean) => Math.max(0, Math.round(mean + Math.sqrt(Math.max(mean, 0)) * gauss()));
	// Binomial-ish: k of n with probability p.
	const binom = (n, p) => {
		if (n <= 0 || p <= 0) return 0;
		if (n < 50) {
			let k = 0;
			for (let i = 0; i < n; i++) if (next() < p) k++;
			return k;
		}
		return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gauss())));
	};
	return { next, gauss, count, binom };
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round = (v, d) => (v === null ? null : Number(v.toFixed(d)));

// A window of n samples (inclusive of both ends) at step seconds.
function window(minutes = 30, stepS = 60, start = START) {
	const n = Math.round((minutes * 60) / stepS) + 1;
	return { start, end: start + minutes * 60000, stepS, n, t: (i) => start + i * stepS * 1000 };
}

// Builds one service. Each generator gets (i, minute) and returns a value,
// null (a missing sample reported as null) or undefined (no sample at all).
// Traffic: `rps` gives requests per sample; `p5`/`p4` the 5xx/4xx
// probability; `n5` instead the exact 5xx count of a sample (for a case
// whose point is a given number of failures: a binomial draw on a few
// requests can turn them into a real burst); `p95` the latency. Memory in fractions of memLimit unless
// memBytes is given.
function service(name, w, r, o) {
	const series = {};
	const put = (metric, i, v, digits) => {
		if (v === undefined) return;
		(series[metric] = series[metric] || []).push([w.t(i) / 1000, v === null ? null : round(v, digits)]);
	};
	for (let i = 0; i < w.n; i++) {
		const m = (i * w.stepS) / 60;
		const limit = o.memLimit ? (typeof o.memLimit === 'function' ? o.memLimit(i, m) : o.memLimit) : undefined;
		if (o.mem) {
			const f = o.mem(i, m);
			put('memory', i, f === null || f === undefined ? f : Math.round(f * (o.memScale || limit)), 0);
		}
		if (o.memBytes) put('memory', i, o.memBytes(i, m), 0);
		if (limit !== undefined && (o.memLimitEvery ? i % o.memLimitEvery === 0 : true)) put('memory_limit', i, limit, 0);
		const cpuLimit = o.cpuLimit === undefined ? undefined : o.cpuLimit;
		if (o.cpu) {
			const f = o.cpu(i, m);
			put('cpu', i, f === null || f === undefined ? f : f * cpuLimit, 4);
		}
		if (cpuLimit !== undefined) put('cpu_limit', i, cpuLimit, 2);
		// A volume: `disk` in fractions of `diskSize` (bytes), its size reported every sample
		// (unless `diskSizeUnknown`: a source that knows the usage only).
		if (o.disk) {
			const f = o.disk(i, m);
			put('disk', i, f === null || f === undefined ? f : Math.round(f * o.diskSize), 0);
			if (!o.diskSizeUnknown) put('disk_limit', i, o.diskSize, 0);
		}
		if (o.rps) {
			const req = o.rps(i, m);
			if (req === undefined || req === null) {
				put('requests', i, req);
				continue;
			}
			const n = Math.round(req);
			const e5 = o.n5 ? Math.min(n, o.n5(i, m)) : r.binom(n, o.p5 ? o.p5(i, m) : 0.001);
			const e4 = r.binom(n - e5, o.p4 ? o.p4(i, m) : 0.02);
			put('requests', i, n, 0);
			put('requests_5xx', i, e5, 0);
			put('requests_4xx', i, e4, 0);
			if (o.p95) put('latency_p95', i, n > 0 || o.p95WhenIdle ? o.p95(i, m) : null, 1);
		}
	}
	const svc = { name, series };
	if (o.volume) svc.volume = o.volume;
	// `seasonal`: overrides for the same hours a day earlier (the same generators unless replaced);
	// those series go under "seasonal" at yesterday's times, as a source that can go back would send them.
	// An array holds one override per day, yesterday first (several earlier days); `seasonalTraffic:
	// false` leaves their request counts out, as Railway sends none for earlier days.
	if (o.seasonal) {
		const days = Array.isArray(o.seasonal) ? o.seasonal : [o.seasonal];
		svc.seasonal = {};
		for (let k = days.length; k >= 1; k--) {
			const back = k * 86400000;
			const y = Object.assign({}, w, { start: w.start - back, end: w.end - back, t: (i) => w.t(i) - back });
			const yo = Object.assign({}, o, days[k - 1], { deployments: [], seasonal: undefined, repo: false });
			const ys = service(name, y, r, yo).series;
			if (o.seasonalTraffic === false) for (const m of ['requests', 'requests_5xx', 'requests_4xx']) delete ys[m];
			for (const m of Object.keys(ys)) svc.seasonal[m] = (svc.seasonal[m] || []).concat(ys[m]);
		}
	}
	if (o.repo !== false) {
		svc.repo = 'acme/shop';
		svc.root_dir = `services/${name}`;
	}
	svc.deployments = (o.deployments || []).map(([id, minute, status, message]) => Object.assign({
		id, at: iso(w.start + minute * 60000), status: status || 'SUCCESS',
		commit: (id.replace(/[^0-9a-f]/g, '') + 'abcdef0123456789').slice(0, 12),
	}, message ? { message } : {}));
	return svc;
}

// Noise helpers bound to a PRNG.
const around = (r, v, sd) => v + sd * r.gauss();
const clampPos = (v) => (v < 0 ? 0 : v);

// A plain healthy web service: memory ~40%, CPU ~20%, 400 req/min, p95 ~120 ms.
function healthy(name, w, r, extra = {}) {
	return service(name, w, r, Object.assign({
		memLimit: GiB, cpuLimit: 2,
		mem: () => around(r, 0.40, 0.01),
		cpu: () => clampPos(around(r, 0.20, 0.03)),
		rps: () => r.count(400),
		p95: () => clampPos(around(r, 120, 12)),
	}, extra));
}

const cases = [];
function add(name, description, build, expect, config_overrides, win) {
	cases.push({ name, description, build, expect, config_overrides, window: win });
}

// ---------------------------------------------------------------- healthy
add('healthy-single', 'A healthy web service: nothing to report.',
	(w, r) => [healthy('api', w, r)], []);

add('healthy-many', 'Five healthy services of different shapes, one without HTTP metrics.',
	(w, r) => [
		healthy('api', w, r),
		healthy('web', w, r, { mem: () => around(r, 0.55, 0.02), cpu: () => clampPos(around(r, 0.45, 0.05)) }),
		service('worker', w, r, { memLimit: 2 * GiB, cpuLimit: 4, mem: () => around(r, 0.30, 0.01),
			cpu: () => clampPos(around(r, 0.35, 0.08)) }),
		healthy('auth', w, r, { rps: () => r.count(50), p95: () => clampPos(around(r, 80, 10)) }),
		healthy('search', w, r, { p95: () => clampPos(around(r, 600, 80)) }),
	], []);

add('healthy-noisy-memory', 'Memory jittering between 45% and 65% (GC): no trend, no pressure.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.55 + 0.08 * Math.sin(i * 1.7) + 0.02 * r.gauss() })], []);

// ---------------------------------------------------------------- leaks
add('leak-linear-critical', 'Memory climbing steadily from 60% to 88%: the line reaches the limit within minutes, and usage has held over 70% for more than 10 minutes.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.60 + (0.28 * i) / 30 + 0.003 * r.gauss() })],
	[{ service: 'api', kind: 'memory_leak', severity: 'critical' },
	 { service: 'api', kind: 'memory_pressure', severity: 'warning' }]);

add('leak-far-below-threshold', 'A leak still far below the thresholds: 30% to 40% in 30 minutes reaches the limit in about 3 hours, within the 4-hour horizon.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.30 + (0.10 * i) / 30 + 0.002 * r.gauss() })],
	[{ service: 'api', kind: 'memory_leak', severity: 'warning' }]);

add('leak-too-slow', 'Memory growing 2% in 30 minutes: it would take 17 hours to reach the limit, beyond the horizon.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.30 + (0.02 * i) / 30 + 0.001 * r.gauss() })], []);

add('leak-stepwise', 'Memory stepping up 4% every 5 minutes (a cache that never evicts): a staircase the fitted line follows.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.40 + 0.04 * Math.floor(i / 5) + 0.002 * r.gauss() })],
	[{ service: 'api', kind: 'memory_leak', severity: 'critical' }]);

add('leak-after-deployment', 'Flat memory until deployment d-2 at 09:40, then a steady climb: a leak that began after the deployment.',
	(w, r) => [healthy('api', w, r, {
		mem: (i) => (i < 10 ? 0.35 : 0.35 + (0.25 * (i - 10)) / 20) + 0.002 * r.gauss(),
		deployments: [['d-1', -300], ['d-2', 10]],
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'critical', deployment: 'd-2', at: 10 }]);

add('leak-worker-no-http', 'A worker without HTTP metrics leaking 300 MiB per hour out of 2 GiB.',
	(w, r) => [service('worker', w, r, { memLimit: 2 * GiB, cpuLimit: 1,
		mem: (i) => 0.50 + (150 * MiB * i) / 30 / (2 * GiB) + 0.001 * r.gauss(),
		cpu: () => clampPos(around(r, 0.3, 0.05)) }), healthy('api', w, r)],
	[{ service: 'worker', kind: 'memory_leak', severity: 'warning' }]);

add('leak-noisy-not-a-line', 'Memory wandering up and down by 15% (R^2 well below the minimum fit): not a trend.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.45 + 0.07 * Math.sin(i / 2.5) + 0.03 * r.gauss() + 0.002 * i })], []);

// ---------------------------------------------------------------- memory pressure
add('memory-pressure-critical', 'Memory steady at 93% of the limit all window.',
	(w, r) => [healthy('api', w, r, { mem: () => around(r, 0.93, 0.005) })],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical' }]);

add('memory-pressure-warning', 'Memory steady at 78%.',
	(w, r) => [healthy('api', w, r, { mem: () => around(r, 0.78, 0.01) })],
	[{ service: 'api', kind: 'memory_pressure', severity: 'warning' }]);

add('memory-spike-brief', 'A 3-minute spike to 96% (a batch job), back to 50%: shorter than for.',
	(w, r) => [healthy('api', w, r, { mem: (i) => (i >= 14 && i < 17 ? 0.96 : 0.50) + 0.005 * r.gauss() })], []);

add('memory-pressure-recovered', 'Memory at 95% for 15 minutes, then the service restarted and sits at 30%: it happened in the window, it is reported (recovered).',
	(w, r) => [healthy('api', w, r, { mem: (i) => (i <= 15 ? 0.95 : 0.30) + 0.003 * r.gauss() })],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical' }]);

// ---------------------------------------------------------------- CPU
add('cpu-spiky-healthy', 'CPU around 30% with one-minute spikes to 100% every 5 minutes: healthy.',
	(w, r) => [healthy('api', w, r, { cpu: (i) => (i % 5 === 2 ? 1.0 : clampPos(around(r, 0.30, 0.05))) })], []);

add('cpu-saturation-critical', 'CPU pinned at 96% for the last 15 minutes.',
	(w, r) => [healthy('api', w, r, { cpu: (i) => (i >= 15 ? Math.min(1, around(r, 0.96, 0.01)) : around(r, 0.3, 0.03)) })],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'critical', at: 15 }]);

add('cpu-saturation-warning', 'CPU between 75% and 85% all window.',
	(w, r) => [healthy('api', w, r, { cpu: () => around(r, 0.80, 0.02) })],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'warning' }]);

add('cpu-no-limit', 'CPU usage without a CPU limit series: no fraction, no verdict.',
	(w, r) => [healthy('api', w, r, { cpuLimit: undefined, cpu: () => 1.9 })], []);

add('diurnal-load', 'A day of traffic (24h window, 5-minute samples): requests and CPU follow the sun, memory and errors stay flat. Nothing to report.',
	(w, r) => {
		const day = (m) => 0.5 - 0.5 * Math.cos((2 * Math.PI * m) / 1440);
		return [healthy('api', w, r, {
			rps: (i, m) => r.count(5 * (100 + 1900 * day(m))),
			cpu: (i, m) => clampPos(0.12 + 0.5 * day(m) + 0.03 * r.gauss()),
			mem: () => around(r, 0.45, 0.01),
			p95: (i, m) => clampPos(150 + 250 * day(m) + 20 * r.gauss()),
			p5: () => 0.002,
		})];
	}, [], undefined, { minutes: 1440, stepS: 300 });

// ---------------------------------------------------------------- errors
add('error-burst-short', 'A 3-minute 5xx burst (30%) during a dependency blip: shorter than for: 5m.',
	(w, r) => [healthy('api', w, r, { p5: (i) => (i >= 12 && i < 15 ? 0.30 : 0.001) })], []);

add('error-5xx-after-deployment', 'Deployment d-7 at 09:45; 5xx goes from 0.1% to 8% right after and stays.',
	(w, r) => [healthy('api', w, r, { p5: (i) => (i >= 15 ? 0.08 : 0.001), deployments: [['d-6', -1440], ['d-7', 15]] })],
	[{ service: 'api', kind: 'error_rate_5xx', severity: 'critical', deployment: 'd-7', at: 15 }]);

add('error-5xx-warning', '5xx at 2% all window, the last deployment was yesterday (outside the window).',
	(w, r) => [healthy('api', w, r, { p5: () => 0.02, rps: () => r.count(1000), deployments: [['d-3', -1000]] })],
	[{ service: 'api', kind: 'error_rate_5xx', severity: 'warning', deployment: null }]);

add('error-4xx-critical', '4xx at 40% for the last 20 minutes (a broken client release).',
	(w, r) => [healthy('api', w, r, { p4: (i) => (i >= 10 ? 0.40 : 0.02) })],
	[{ service: 'api', kind: 'error_rate_4xx', severity: 'critical', at: 10 }]);

add('error-4xx-normal', '4xx at 6%: ordinary for a public API, under the 10% warning.',
	(w, r) => [healthy('api', w, r, { p4: () => 0.06 })], []);

add('low-traffic-few-errors', 'A quiet admin service: 2 requests a minute (60 in the window), 5 of them 5xx in a row: too few requests in any 5-minute window to judge.',
	(w, r) => [healthy('admin', w, r, { rps: () => 2, p5: (i) => (i >= 20 && i < 23 ? 0.9 : 0) })], []);

add('low-traffic-under-min-requests', '20 requests in the window, 6 of them 5xx: under min_requests (50), no verdict.',
	(w, r) => [healthy('admin', w, r, { rps: (i) => (i % 3 === 0 ? 2 : 0), p5: () => 0.3 })], []);

add('low-traffic-sustained-errors', '10 requests a minute, half of them 5xx for 20 minutes: little traffic, but enough over 5-minute windows to be sure.',
	(w, r) => [healthy('admin', w, r, { rps: () => 10, p5: (i) => (i >= 10 ? 0.5 : 0) })],
	[{ service: 'admin', kind: 'error_rate_5xx', severity: 'critical', at: 10 }]);

add('errors-since-before-window', '5xx at 9% since before the window; the deployment was 2 hours ago: no deployment to blame in the window.',
	(w, r) => [healthy('api', w, r, { p5: () => 0.09, deployments: [['d-9', -120]] })],
	[{ service: 'api', kind: 'error_rate_5xx', severity: 'critical', deployment: null }]);

// ---------------------------------------------------------------- latency
add('latency-after-deployment', 'p95 from 150 ms to 1.5 s after deployment d-4 at 09:42.',
	(w, r) => [healthy('api', w, r, { p95: (i) => (i >= 12 ? around(r, 1500, 100) : around(r, 150, 15)), deployments: [['d-4', 12]] })],
	[{ service: 'api', kind: 'latency', severity: 'warning', deployment: 'd-4', at: 12 }]);

add('latency-critical', 'p95 at 4 s for the last 20 minutes (a database lock).',
	(w, r) => [healthy('api', w, r, { p95: (i) => (i >= 10 ? around(r, 4000, 200) : around(r, 150, 15)) })],
	[{ service: 'api', kind: 'latency', severity: 'critical', at: 10 }]);

add('latency-spike-brief', 'Two samples of 5 s p95 (a cold cache): brief.',
	(w, r) => [healthy('api', w, r, { p95: (i) => (i === 7 || i === 8 ? 5000 : around(r, 150, 15)) })], []);

add('latency-idle-intervals', 'A p95 of 5 s reported for intervals that served no request (an exporter artefact): not slowness.',
	(w, r) => [healthy('api', w, r, { rps: (i) => (i % 2 ? 0 : r.count(300)), p95: (i) => (i % 2 ? 5000 : around(r, 150, 15)), p95WhenIdle: true })], []);

// ---------------------------------------------------------------- traffic and data quality
add('no-traffic', 'A service that received no request at all: zero counts, no p95; memory and CPU healthy.',
	(w, r) => [healthy('api', w, r, { rps: () => 0, p95: () => null })], []);

add('missing-samples', 'Memory at 95% with every third sample missing (null): one missed scrape does not break the hold.',
	(w, r) => [healthy('api', w, r, { mem: (i) => (i % 3 === 1 ? null : around(r, 0.95, 0.004)) })],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical' }]);

add('gap-breaks-hold', 'CPU at 95% for 9 minutes, a 12-minute hole in the data, then 95% for 9 minutes: no run held for 10 minutes.',
	(w, r) => [healthy('api', w, r, { cpu: (i) => (i >= 9 && i <= 20 ? undefined : around(r, 0.95, 0.01)) })], []);

add('too-few-samples', 'Only 4 memory samples in the window (the service started a minute ago), all at 97%: fewer than min_samples, no verdict.',
	(w, r) => [healthy('api', w, r, { mem: (i) => (i >= 27 ? 0.97 : undefined) })], []);

add('limit-raised-mid-window', 'Usage constant at 800 MiB; the limit was raised from 850 MiB (94%) to 2 GiB at 09:38: the 8 minutes at 94% are under for, and after the raise usage is 39%.',
	(w, r) => [healthy('api', w, r, {
		mem: undefined, memBytes: () => 800 * MiB + Math.round(2 * MiB * r.gauss()),
		memLimit: (i) => (i < 8 ? 850 * MiB : 2 * GiB),
	})], []);

add('limit-lowered-mid-window', 'Usage constant at 950 MiB; the limit was lowered from 2 GiB to 1 GiB at 09:35: 93% of the new limit for 25 minutes.',
	(w, r) => [healthy('api', w, r, {
		mem: undefined, memBytes: () => 950 * MiB + Math.round(2 * MiB * r.gauss()),
		memLimit: (i) => (i < 5 ? 2 * GiB : GiB),
	})],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical', at: 5 }]);

add('limit-raised-during-leak', 'Memory climbing 400 to 700 MiB while the limit is raised from 1 to 2 GiB at 09:45: as a fraction the line drops, in bytes against the new limit it still reaches it in about 2 hours.',
	(w, r) => [healthy('api', w, r, {
		mem: undefined, memBytes: (i) => Math.round((400 + 10 * i) * MiB + 1 * MiB * r.gauss()),
		memLimit: (i) => (i < 15 ? GiB : 2 * GiB),
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'warning' }]);

add('limit-reported-sparsely', 'The memory limit is reported only every 10 minutes (a step series): it is carried forward; 91% held.',
	(w, r) => [healthy('api', w, r, { mem: () => around(r, 0.91, 0.003), memLimitEvery: 10 })],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical' }]);

// ---------------------------------------------------------------- several services and configuration
add('mixed-services', 'Three services: api with a 5xx problem, worker leaking, web healthy.',
	(w, r) => [
		healthy('api', w, r, { p5: (i) => (i >= 5 ? 0.03 : 0.001) }),
		service('worker', w, r, { memLimit: GiB, cpuLimit: 1, mem: (i) => 0.3 + (0.12 * i) / 30 + 0.002 * r.gauss(),
			cpu: () => clampPos(around(r, 0.2, 0.03)) }),
		healthy('web', w, r),
	],
	[{ service: 'api', kind: 'error_rate_5xx', severity: 'warning', at: 5 },
	 { service: 'worker', kind: 'memory_leak', severity: 'warning' }]);

add('config-signal-disabled', 'CPU at 95% but the cpu threshold is disabled in .autofix.yml.',
	(w, r) => [healthy('api', w, r, { cpu: () => around(r, 0.95, 0.01) })], [],
	{ thresholds: { cpu: { enabled: false } } });

add('config-service-override', 'worker at 93% memory; its own critical level is 97%, so only the warning (70%) holds. api at 93% is critical.',
	(w, r) => [
		healthy('api', w, r, { mem: () => around(r, 0.93, 0.003) }),
		healthy('worker', w, r, { mem: () => around(r, 0.93, 0.003) }),
	],
	[{ service: 'api', kind: 'memory_pressure', severity: 'critical' },
	 { service: 'worker', kind: 'memory_pressure', severity: 'warning' }],
	{ services: { worker: { thresholds: { memory: { critical: '97%' } } } } });

add('config-short-for', 'CPU at 92% for 4 minutes: nothing with for: 10m, critical with for: 3m.',
	(w, r) => [healthy('api', w, r, { cpu: (i) => (i >= 20 && i < 24 ? around(r, 0.92, 0.005) : around(r, 0.3, 0.03)) })],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'critical', at: 20 }],
	{ thresholds: { cpu: { for: '3m' } } });

add('config-leak-horizon', 'The leak of leak-far-below-threshold with a 1-hour horizon: 3 hours away is not reported.',
	(w, r) => [healthy('api', w, r, { mem: (i) => 0.30 + (0.10 * i) / 30 + 0.002 * r.gauss() })], [],
	{ detect: { memory_leak: { horizon: '1h' } } });

add('everything-wrong', 'One service with every problem at once.',
	(w, r) => [healthy('api', w, r, {
		mem: (i) => 0.85 + (0.12 * i) / 30 + 0.002 * r.gauss(),
		cpu: () => around(r, 0.95, 0.01),
		p5: () => 0.1, p4: () => 0.45,
		p95: () => around(r, 3500, 100),
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'critical' },
	 { service: 'api', kind: 'memory_pressure', severity: 'critical' },
	 { service: 'api', kind: 'cpu_saturation', severity: 'critical' },
	 { service: 'api', kind: 'error_rate_5xx', severity: 'critical' },
	 { service: 'api', kind: 'error_rate_4xx', severity: 'critical' },
	 { service: 'api', kind: 'latency', severity: 'critical' }]);

// ---------------------------------------------------------------- baselines, crash loops, load (issue 6)
add('regression-latency-under-threshold', 'p95 from 70 ms to 650 ms after deployment d-42 at 09:45: far under the 1 s threshold, but x9 against the service\'s own baseline.',
	(w, r) => [healthy('api', w, r, {
		p95: (i) => (i > 15 ? around(r, 650, 60) : around(r, 70, 7)),
		deployments: [['d-41', -2000], ['d-42', 15]],
	})],
	[{ service: 'api', kind: 'latency', severity: 'warning', method: 'regression', deployment: 'd-42', at: 16 }]);

add('regression-5xx-under-threshold', '5xx from 0.05% to 0.8% after deployment d-42 at 09:45, 1,000 requests a minute: under the 1% threshold, x16 the baseline, with thousands of requests on each side.',
	(w, r) => [healthy('api', w, r, {
		rps: () => r.count(1000),
		p5: (i) => (i > 15 ? 0.008 : 0.0005),
		deployments: [['d-42', 15]],
	})],
	[{ service: 'api', kind: 'error_rate_5xx', severity: 'warning', method: 'regression', deployment: 'd-42', at: 16 }]);

add('regression-warmup-spike', 'Deployment d-8 at 09:45 with a 2-minute warm-up: p95 2.5 s and 5% 5xx for two samples, then back to normal. Healthy.',
	(w, r) => [healthy('api', w, r, {
		p95: (i) => (i === 16 || i === 17 ? around(r, 2500, 100) : around(r, 120, 12)),
		p5: (i) => (i === 16 || i === 17 ? 0.05 : 0.001),
		deployments: [['d-8', 15]],
	})], []);

add('regression-low-traffic-jump', 'A quiet service (4 requests a minute) with 3 failed requests after deployment d-3, one each at 09:48, 09:53 and 09:58: the error ratio jumps from 0 to 5%, on a handful of requests. Not significant.',
	(w, r) => [healthy('admin', w, r, {
		rps: () => 4,
		// Exactly one failure each: drawn with p = 0.25, some seeds fail 3 of the 4 requests of
		// a minute and make 7 failures in 50 requests, a burst the 5xx rule rightly reports.
		n5: (i) => (i === 18 || i === 23 || i === 28 ? 1 : 0),
		deployments: [['d-3', 15]],
	})], []);

add('regression-latency-jitter', 'p95 jittering between 80 and 250 ms before and after deployment d-5: normal variation, no regression.',
	(w, r) => [healthy('api', w, r, {
		p95: () => 80 + 170 * r.next(),
		deployments: [['d-5', 15]],
	})], []);

add('regression-cpu-under-threshold', 'CPU from 20% to 45% of the limit after deployment d-51 at 09:45 with traffic unchanged (an N+1 query): under the 70% threshold, x2.2 the baseline.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i > 15 ? around(r, 0.45, 0.03) : around(r, 0.20, 0.03)),
		deployments: [['d-51', 15]],
	})],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'warning', method: 'regression', deployment: 'd-51', at: 16 }]);

add('regression-memory-under-threshold', 'Memory from 40% to 56% of the limit after deployment d-52 at 09:45 (a bigger cache per worker), flat since: under the 70% threshold, not a trend, x1.4 the baseline.',
	(w, r) => [healthy('api', w, r, {
		mem: (i) => (i > 16 ? around(r, 0.56, 0.01) : i === 16 ? 0.50 : around(r, 0.40, 0.01)),
		deployments: [['d-52', 15]],
	})],
	[{ service: 'api', kind: 'memory_pressure', severity: 'warning', method: 'regression', deployment: 'd-52', at: 16 }]);

add('regression-cpu-follows-traffic', 'Deployment d-53 at 09:45, and a campaign doubles traffic at the same time (400 to 900 requests a minute): CPU goes from 20% to 44%, in proportion. Per request nothing changed: healthy.',
	(w, r) => [healthy('api', w, r, {
		rps: (i) => r.count(i > 15 ? 900 : 400),
		cpu: (i) => clampPos(i > 15 ? around(r, 0.44, 0.03) : around(r, 0.20, 0.03)),
		deployments: [['d-53', 15]],
	})], []);

add('regression-resource-warmup', 'Deployment d-54 at 09:45 restarts the service: CPU at 95% for two minutes (JIT, cache fill), memory back from 30% to its usual 40% in three minutes. Healthy.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i === 16 || i === 17 ? around(r, 0.95, 0.02) : around(r, 0.20, 0.03)),
		mem: (i) => (i >= 16 && i <= 18 ? 0.30 + (i - 16) * 0.035 : around(r, 0.40, 0.01)),
		deployments: [['d-54', 15]],
	})], []);

add('regression-cpu-jitter', 'CPU wandering between 10% and 40% before and after deployment d-55: normal variation, no regression.',
	(w, r) => [healthy('api', w, r, {
		cpu: () => 0.10 + 0.30 * r.next(),
		deployments: [['d-55', 15]],
	})], []);

add('seasonal-daily-peak-after-deployment', 'Deployment d-61 at 09:45 coincides with a daily job: CPU from 20% to 45% with traffic unchanged, exactly as at the same hours yesterday. Usual for the hour: not a regression.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i > 15 ? around(r, 0.45, 0.03) : around(r, 0.20, 0.03)),
		deployments: [['d-61', 15]],
		seasonal: {},
	})], []);

add('seasonal-cpu-never-seen', 'No deployment; CPU from 20% to 48% of the limit at 09:40 and staying there, while at the same hours yesterday it was 20%: under the thresholds, never seen at this hour.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i >= 10 ? around(r, 0.48, 0.03) : around(r, 0.20, 0.03)),
		seasonal: { cpu: () => clampPos(around(r, 0.20, 0.03)) },
	})],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'warning', method: 'seasonal', at: 10 }]);

add('seasonal-latency-never-seen', 'No deployment; p95 from 120 ms to 700 ms at 09:38 (a slow upstream), against 120 ms at the same hours yesterday.',
	(w, r) => [healthy('api', w, r, {
		p95: (i) => clampPos(i >= 8 ? around(r, 700, 50) : around(r, 120, 12)),
		seasonal: { p95: () => clampPos(around(r, 120, 12)) },
	})],
	[{ service: 'api', kind: 'latency', severity: 'warning', method: 'seasonal', at: 8 }]);

add('seasonal-usual-level', 'CPU at 45% and p95 at 600 ms all window: high for this service, but the same hours yesterday looked the same (43%, 560 ms). Nothing to report.',
	(w, r) => [healthy('api', w, r, {
		cpu: () => clampPos(around(r, 0.45, 0.03)),
		p95: () => clampPos(around(r, 600, 40)),
		seasonal: { cpu: () => clampPos(around(r, 0.43, 0.03)), p95: () => clampPos(around(r, 560, 40)) },
	})], []);

// Several earlier days, some of them unusual: the baseline is the days fit to compare with.
const normalDay = () => ({});
const outageDay = (r) => ({ rps: () => r.count(4), cpu: () => clampPos(around(r, 0.01, 0.003)), p95: () => clampPos(around(r, 12, 2)) });

add('seasonal-outage-yesterday', 'Yesterday at these hours was an outage (4 requests a minute, CPU 1%, p95 12 ms); the two days before were like today (CPU 20%, p95 120 ms). Today is normal: yesterday is left out (its traffic is not comparable), nothing to report.',
	(w, r) => [healthy('api', w, r, { seasonal: [outageDay(r), normalDay(), normalDay()] })], [],
	{ detect: { regression: { seasonal_days: 3 } } });

add('seasonal-outage-yesterday-no-traffic', 'The outage yesterday of seasonal-outage-yesterday from a source that sends no earlier days\' traffic (Railway): yesterday stands out from the other days\' medians and is left out; nothing to report.',
	(w, r) => [healthy('api', w, r, { seasonal: [outageDay(r), normalDay(), normalDay()], seasonalTraffic: false })], [],
	{ detect: { regression: { seasonal_days: 3 } } });

add('seasonal-outage-one-day', 'The outage yesterday with seasonal_days: 1 (the former default), traffic known: yesterday\'s 4 requests a minute are not comparable with today\'s 400, so there is nothing to compare with, and nothing to report (the single day was trusted before, which read today as CPU and latency never seen at this hour).',
	(w, r) => [healthy('api', w, r, { seasonal: [outageDay(r)] })], [],
	{ detect: { regression: { seasonal_days: 1 } } });

add('seasonal-holiday-dip', 'Yesterday was a holiday: a third of the traffic, CPU 7%, p95 80 ms at these hours; the days before and today are ordinary workdays (CPU 20%, p95 120 ms, 400 requests a minute). Nothing to report.',
	(w, r) => [healthy('api', w, r, {
		seasonal: [{ rps: () => r.count(130), cpu: () => clampPos(around(r, 0.07, 0.01)), p95: () => clampPos(around(r, 80, 8)) }, normalDay(), normalDay()],
	})], [], { detect: { regression: { seasonal_days: 3 } } });

add('seasonal-weekly-pattern', 'A Monday morning: the two days before were a weekend (100 requests a minute, CPU 10%), Friday was like today (400 requests a minute, CPU 40%). Weekend days are not compared with a weekday: nothing to report.',
	(w, r) => [healthy('api', w, r, {
		cpu: () => clampPos(around(r, 0.40, 0.03)),
		seasonal: [{ rps: () => r.count(100), cpu: () => clampPos(around(r, 0.10, 0.02)) },
			   { rps: () => r.count(100), cpu: () => clampPos(around(r, 0.10, 0.02)) }, normalDay()],
	})], [], { detect: { regression: { seasonal_days: 3 } } });

add('seasonal-outage-yesterday-regression-today', 'Yesterday was an outage, as in seasonal-outage-yesterday, and today deployment d-91 at 09:45 makes p95 go from 120 ms to 600 ms (under the 1 s threshold): a real regression, still found.',
	(w, r) => [healthy('api', w, r, {
		p95: (i) => clampPos(i > 15 ? around(r, 600, 40) : around(r, 120, 12)),
		deployments: [['d-91', 15]],
		seasonal: [outageDay(r), { p95: () => clampPos(around(r, 120, 12)) }, { p95: () => clampPos(around(r, 120, 12)) }],
	})],
	[{ service: 'api', kind: 'latency', severity: 'warning', method: 'regression', deployment: 'd-91', at: 16 }],
	{ detect: { regression: { seasonal_days: 3 } } });

add('seasonal-incident-yesterday-regression-today', 'Yesterday at these hours p95 was 1.5 s (an incident, a finding of its own); today deployment d-92 at 09:45 takes p95 from 120 ms to 700 ms. Yesterday is no baseline: the regression is found, not excused as usual for the hour.',
	(w, r) => [healthy('api', w, r, {
		p95: (i) => clampPos(i > 15 ? around(r, 700, 40) : around(r, 120, 12)),
		deployments: [['d-92', 15]],
		seasonal: [{ p95: () => clampPos(around(r, 1500, 100)) }],
	})],
	[{ service: 'api', kind: 'latency', severity: 'warning', method: 'regression', deployment: 'd-92', at: 16 }],
	{ detect: { regression: { seasonal_days: 1 } } });

add('config-seasonal-off', 'The data of seasonal-cpu-never-seen with detect.regression.seasonal_days: 0: without the earlier days, CPU at 48% is under every rule.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i >= 10 ? around(r, 0.48, 0.03) : around(r, 0.20, 0.03)),
		seasonal: { cpu: () => clampPos(around(r, 0.20, 0.03)) },
	})], [], { detect: { regression: { seasonal_days: 0 } } });

add('config-seasonal-off-deployment', 'The data of seasonal-daily-peak-after-deployment with detect.regression.seasonal_days: 0: without yesterday to compare with, the daily job looks like a CPU regression after d-61.',
	(w, r) => [healthy('api', w, r, {
		cpu: (i) => clampPos(i > 15 ? around(r, 0.45, 0.03) : around(r, 0.20, 0.03)),
		deployments: [['d-61', 15]],
		seasonal: {},
	})],
	[{ service: 'api', kind: 'cpu_saturation', severity: 'warning', method: 'regression', deployment: 'd-61', at: 16 }],
	{ detect: { regression: { seasonal_days: 0 } } });

add('crash-loop', 'Memory climbs from 30% to the limit in about 8 minutes, the process is killed and restarts, again and again: a line fitted to the window is flat and usage is over 90% only a minute at a time.',
	(w, r) => [healthy('api', w, r, {
		mem: (i) => { const k = i % 8; return Math.min(0.985, 0.30 + 0.095 * k) + 0.004 * r.gauss(); },
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'critical', method: 'crash_loop', at: 0 }]);

add('crash-loop-worker', 'A worker without HTTP metrics in a 12-minute crash loop out of 2 GiB, restarts reported as CRASHED deployments.',
	(w, r) => [service('worker', w, r, { memLimit: 2 * GiB, cpuLimit: 1,
		mem: (i) => { const k = (i + 5) % 12; return Math.min(0.99, 0.25 + 0.068 * k) + 0.003 * r.gauss(); },
		cpu: () => clampPos(around(r, 0.3, 0.05)),
		deployments: [['d-20', -300], ['d-20-restart-1', 7, 'CRASHED'], ['d-20-restart-2', 19, 'CRASHED']] })],
	[{ service: 'worker', kind: 'memory_leak', severity: 'critical', method: 'crash_loop', at: 0 }]);

// ---------------------------------------------------------------- deployments
// Statuses as Railway reports them. The series say what ran meanwhile: an old deployment that
// still serves keeps its samples coming; a crashed service's stop.
const upTo = (until, f) => (i, m) => (m < until ? f(i, m) : undefined);

add('deployment-failed-old-serves', 'Deployment d-71 at 09:50 FAILED (its build broke); d-70, live since yesterday, still serves, so memory, CPU and traffic look fine. A warning about the broken commit.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400], ['d-71', 20, 'FAILED', 'Add invoice export']],
	})],
	[{ service: 'api', kind: 'deployment_failed', severity: 'warning', method: 'status', deployment: 'd-71', at: 20 }]);

add('deployment-failed-then-fixed', 'Deployment d-72 at 09:40 FAILED, d-73 at 09:50 (the fix) is SUCCESS: the failed build has recovered, nothing to report.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400, 'REMOVED'], ['d-72', 10, 'FAILED'], ['d-73', 20]],
	})], []);

add('deployment-failed-then-building', 'Deployment d-82 at 09:35 FAILED, d-83 at 09:55 is still BUILDING (five minutes: a fix on its way). Nothing yet: the newest deployment decides, and it is in progress.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400], ['d-82', 5, 'FAILED'], ['d-83', 25, 'BUILDING']],
	})], []);

add('deployment-failed-nothing-serves', 'A new service whose first deployment d-74 FAILED at 09:35: nothing has ever served, no samples at all. Critical.',
	(w, r) => [healthy('api', w, r), service('billing', w, r, { deployments: [['d-74', 5, 'FAILED']] })],
	[{ service: 'billing', kind: 'deployment_failed', severity: 'critical', method: 'status', deployment: 'd-74', at: 5 }]);

add('deployment-crashed-down', 'Deployment d-75 at 09:45 CRASHED after a few minutes: its samples stop at 09:48 and the service is down (no memory, CPU or traffic since). Critical, never healthy.',
	(w, r) => [healthy('api', w, r, {
		mem: upTo(18, () => around(r, 0.40, 0.01)), cpu: upTo(18, () => clampPos(around(r, 0.20, 0.03))),
		rps: upTo(18, () => r.count(400)),
		deployments: [['d-70', -1400, 'REMOVED'], ['d-75', 15, 'CRASHED']],
	})],
	[{ service: 'api', kind: 'deployment_crashed', severity: 'critical', method: 'status', deployment: 'd-75', at: 15 }]);

add('deployment-crashed-long-ago', 'The worker\'s deployment d-93 CRASHED five hours ago and nothing was deployed since: no sample at all in the window. The deployment says why: critical, not merely no data.',
	(w, r) => [healthy('api', w, r), service('worker', w, r, { deployments: [['d-93', -300, 'CRASHED']] })],
	[{ service: 'worker', kind: 'deployment_crashed', severity: 'critical', method: 'status', deployment: 'd-93', at: 0 }]); // the crash is older than the window: delays count from its start

add('deployment-stuck-building', 'Deployment d-76 has been BUILDING since 09:00, an hour before the end of the window (over detect.deployments.stuck_after, 30m); d-70 still serves.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400], ['d-76', -30, 'BUILDING']],
	})],
	[{ service: 'api', kind: 'deployment_stuck', severity: 'warning', method: 'status', deployment: 'd-76', at: 0 }]);

add('deployment-building-in-progress', 'Deployment d-77 at 09:50, DEPLOYING for ten minutes: in progress, not stuck.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400], ['d-77', 20, 'DEPLOYING']],
	})], []);

add('deployment-app-sleeps', 'An app that sleeps when idle (Railway\'s serverless): its deployment d-78 is SLEEPING, its samples stop at 09:40. Not an incident.',
	(w, r) => [healthy('api', w, r, {
		mem: upTo(10, () => around(r, 0.30, 0.01)), cpu: upTo(10, () => clampPos(around(r, 0.05, 0.01))),
		rps: upTo(10, () => r.count(20)),
		deployments: [['d-78', -200, 'SLEEPING']],
	})], []);

add('deployment-skipped-removed', 'Deployment d-79 SKIPPED (no change to build) and d-80 REMOVED after d-81 replaced it: none of them is an incident.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-80', -20, 'REMOVED'], ['d-81', 5], ['d-79', 22, 'SKIPPED']],
	})], []);

add('config-deployments-off', 'The data of deployment-failed-old-serves with detect.deployments.enabled: false: the failed build is not watched.',
	(w, r) => [healthy('api', w, r, {
		deployments: [['d-70', -1400], ['d-71', 20, 'FAILED', 'Add invoice export']],
	})], [], { detect: { deployments: { enabled: false } } });

add('leak-restart-resumes', 'A leak climbing 0.8% a minute, interrupted by deployment d-5 at 09:54 that restarts the service; the climb resumes at the same slope. The restart is not the cause: the leak began before it.',
	(w, r) => [healthy('api', w, r, {
		mem: (i) => (i < 24 ? 0.40 + 0.008 * i : 0.30 + 0.008 * (i - 24)) + 0.002 * r.gauss(),
		deployments: [['d-4', -600], ['d-5', 24]],
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'warning', method: 'trend', deployment: null, at: 0 }]);

add('memory-follows-load', 'Morning ramp: requests grow from 200 to 1,000 a minute and memory follows them (in-flight work), from 37% to 65% of the limit. Its ratio to traffic is flat: not a leak.',
	(w, r) => {
		const load = (i) => 200 + (800 * i) / 30;
		return [healthy('api', w, r, {
			rps: (i) => r.count(load(i)),
			mem: (i) => (300 * MiB + 0.45 * MiB * load(i)) / GiB + 0.003 * r.gauss(),
			cpu: (i) => clampPos(0.1 + load(i) / 2000 + 0.02 * r.gauss()),
		})];
	}, []);

add('leak-while-traffic-falls', 'Memory climbing 35% to 50% while traffic falls from 800 to 300 requests a minute: a leak, not load.',
	(w, r) => [healthy('api', w, r, {
		rps: (i) => r.count(800 - (500 * i) / 30),
		mem: (i) => 0.35 + (0.15 * i) / 30 + 0.002 * r.gauss(),
	})],
	[{ service: 'api', kind: 'memory_leak', severity: 'warning', at: 0 }]);

add('leak-on-top-of-load', 'Traffic grows 400 to 600 requests a minute (memory would follow by 5%), while memory climbs 30% to 55%: the part load does not explain still climbs. A leak.',
	(w, r) => {
		const load = (i) => 400 + (200 * i) / 30;
		return [healthy('api', w, r, {
			rps: (i) => r.count(load(i)),
			mem: (i) => (200 * MiB + 0.25 * MiB * load(i)) / GiB + 0.05 + (0.2 * i) / 30 + 0.003 * r.gauss(),
		})];
	}, [{ service: 'api', kind: 'memory_leak', severity: 'critical', at: 0 }]);

// ---------------------------------------------------------------- leaks under garbage collection (issue 9)
// A garbage-collected heap as a fraction of the limit: between two collections it climbs by
// `amp` (plus `ampGrowth` a minute: a heap allowed to grow), and each collection cuts it back to
// the floor, which climbs by `leak` a minute (0: no leak). Collections come every `period`
// minutes, each interval drawn within +-15% of it. `hole(m)` true: no sample (a gap).
function gcHeap(r, w, { floor, amp, period, leak = 0, noise = 0.003, ampGrowth = 0, hole }) {
	const cuts = [];
	const minutes = ((w.n - 1) * w.stepS) / 60;
	for (let t = -period * r.next(); t < minutes + 2 * period; t += period * (0.85 + 0.3 * r.next())) cuts.push(t);
	return (i, m) => {
		if (hole && hole(m)) return undefined;
		let k = 0;
		while (k + 2 < cuts.length && cuts[k + 1] <= m) k++;
		const phase = (m - cuts[k]) / (cuts[k + 1] - cuts[k]);
		return floor + leak * m + (amp + ampGrowth * m) * phase + noise * r.gauss();
	};
}

// When the peaks (floor + amp, climbing at `leak` a minute) meet the limit, in minutes after the
// window's end: the finding must say so within a factor of 1.5. Samples fall anywhere in a cycle,
// so the troughs and peaks seen scatter by up to a step's climb and the forecast with them (on the
// 2-minute case with 30-second samples, a quarter of the amplitude).
function gcTtl(o, minutes) {
	const t = (1 - (o.floor + o.amp + o.leak * minutes)) / o.leak;
	return [Math.floor(t / 1.5), Math.ceil(t * 1.5)];
}

function gcCase(name, description, o, minutes, stepS, severity) {
	const expect = severity ? [{ service: 'api', kind: 'memory_leak', severity, method: 'trend',
		time_to_limit_minutes: gcTtl(o, minutes) }] : [];
	add(name, description, (w, r) => [healthy('api', w, r, { mem: gcHeap(r, w, o) })], expect, undefined,
		{ minutes, stepS });
}

gcCase('gc-leak-2m-period', 'A heap collected every 2 minutes (30-second samples): it climbs from 40% to 56% of the limit and is cut back, 15 times in 30 minutes; the floor climbs 20% an hour underneath. A line through every sample fits badly (R^2 about 0.5); the troughs climb: a leak, the peaks reach the limit in about 1.7 hours.',
	{ floor: 0.40, amp: 0.16, period: 2, leak: 0.20 / 60 }, 30, 30, 'warning');
gcCase('gc-flat-2m-period', 'The same 2-minute sawtooth (40% to 56%, 30-second samples) with a flat floor: garbage collection, not a leak.',
	{ floor: 0.40, amp: 0.16, period: 2 }, 30, 30, null);
gcCase('gc-leak-5m-period', 'A heap collected every 5 minutes, from 35% to 49% of the limit (an amplitude of 40% of the floor), over an hour; the floor climbs 15% an hour: a leak the straight line misses (R^2 about 0.5), whose peaks reach the limit in about 2.4 hours.',
	{ floor: 0.35, amp: 0.14, period: 5, leak: 0.15 / 60 }, 60, 60, 'warning');
gcCase('gc-flat-5m-period', 'The same 5-minute sawtooth (35% to 49%) over an hour with a flat floor: quiet.',
	{ floor: 0.35, amp: 0.14, period: 5 }, 60, 60, null);
gcCase('gc-leak-3m-period-critical', 'A heap collected every 3 minutes (three samples a cycle), 30% to 42%, whose floor climbs 45% an hour over 40 minutes: the peaks reach the limit in about 40 minutes, a quarter of the horizon: critical.',
	{ floor: 0.30, amp: 0.12, period: 3, leak: 0.45 / 60 }, 40, 60, 'critical');
gcCase('gc-leak-15m-period', 'A heap collected every 15 minutes over two hours, 30% to 42%, whose floor climbs 12% an hour: eight cycles, the peaks reach the limit in about 2.8 hours.',
	{ floor: 0.30, amp: 0.12, period: 15, leak: 0.12 / 60 }, 120, 60, 'warning');
gcCase('gc-flat-15m-period', 'A 15-minute sawtooth (30% to 42%) over two hours with a flat floor: quiet.',
	{ floor: 0.30, amp: 0.12, period: 15 }, 120, 60, null);
gcCase('gc-flat-15m-period-short-window', 'A 15-minute sawtooth, 40% to 60% (an amplitude of 40% of its mean level), in the default 30-minute window: two cuts, each to two thirds of the peak, and the last ramp alone is a clean climb of 80% an hour. A collector\'s cut is not a restart: quiet.',
	{ floor: 0.40, amp: 0.20, period: 15 }, 30, 60, null);
gcCase('gc-leak-10m-period-deep-cuts', 'A 10-minute sawtooth, 40% to 60% (40% of its mean level: each cut takes a third of the heap, as deep as a restart), over 80 minutes; the floor climbs 10% an hour. The cuts repeat without a deployment: a collector, not restarts. The peaks reach the limit in about 3.3 hours.',
	{ floor: 0.40, amp: 0.20, period: 10, leak: 0.10 / 60 }, 80, 60, 'warning');
gcCase('gc-flat-10m-period-deep-cuts', 'The same deep 10-minute sawtooth (40% to 60%) over 80 minutes with a flat floor: each ramp alone climbs 120% an hour, but no floor climbs. Quiet.',
	{ floor: 0.40, amp: 0.20, period: 10 }, 80, 60, null);
gcCase('gc-leak-gaps', 'A 7-minute sawtooth, 35% to 49%, over 90 minutes with a 12-minute hole and every fifth sample missing; the floor climbs 14% an hour: still a leak, reaching the limit in about 2.6 hours.',
	{ floor: 0.35, amp: 0.14, period: 7, leak: 0.14 / 60, hole: (m) => (m >= 40 && m < 52) || Math.round(m) % 5 === 3 }, 90, 60, 'warning');
gcCase('gc-flat-gaps', 'The 7-minute sawtooth with the same holes and a flat floor: quiet.',
	{ floor: 0.35, amp: 0.14, period: 7, hole: (m) => (m >= 40 && m < 52) || Math.round(m) % 5 === 3 }, 90, 60, null);
add('gc-floor-follows-load', 'A 5-minute sawtooth (an amplitude of 12% of the limit) over an hour while requests grow from 200 to 1,000 a minute: the floor follows traffic (in-flight work, 25% to 49% of the limit), its ratio to traffic flat. Load, not a leak.',
	(w, r) => {
		const load = (i, m) => 200 + (800 * m) / 60;
		const saw = gcHeap(r, w, { floor: 0, amp: 0.12, period: 5 });
		return [healthy('api', w, r, {
			rps: (i, m) => r.count(load(i, m)),
			mem: (i, m) => (200 * MiB + 0.3 * MiB * load(i, m)) / GiB + saw(i, m),
			cpu: (i, m) => clampPos(0.1 + load(i, m) / 2000 + 0.02 * r.gauss()),
		})];
	}, [], undefined, { minutes: 60, stepS: 60 });
gcCase('gc-heap-grows-floor-flat', 'A 5-minute sawtooth whose peaks climb from 50% to 62% while every collection still returns to 38% (the runtime lets the heap grow before collecting): more garbage, no leak. Quiet.',
	{ floor: 0.38, amp: 0.12, period: 5, ampGrowth: 0.12 / 60 }, 60, 60, null);

// ---------------------------------------------------------------- volumes (issue 14)
// A database with a 10 GiB volume (usage in fractions of its size); the
// detector's horizon for a volume is 24 hours, critical under 6. The usage
// moves little in a window: a volume's noise is small (a few MB).
const DISK = 10 * GiB;
function database(name, w, r, disk, extra = {}) {
	return service(name, w, r, Object.assign({
		memLimit: GiB, cpuLimit: 2,
		mem: () => around(r, 0.45, 0.01),
		cpu: () => clampPos(around(r, 0.15, 0.02)),
		volume: { name: `${name}-data`, mount_path: '/var/lib/postgresql/data' },
		diskSize: DISK, disk,
	}, extra));
}
const volumeCase = (name, description, disk, expect, minutes = 60, overrides) =>
	add(name, description, (w, r) => [healthy('api', w, r), database('db', w, r, disk(r, w))], expect, overrides,
		{ minutes, stepS: 60 });

volumeCase('disk-filling-warning', 'A database volume at 60% of its 10 GiB that grows 2% an hour (200 MiB) over an hour: full in about 19 hours, within the 24-hour horizon: a warning. A threshold rule at 80% would stay silent for ten more hours.',
	(r) => (i, m) => 0.60 + 0.02 * m / 60 + 0.0003 * r.gauss(),
	[{ service: 'db', kind: 'disk_filling', severity: 'warning', method: 'trend' }]);
volumeCase('disk-filling-critical', 'A volume at 70% growing 6% an hour (a runaway log table): full in about 4 hours, under a quarter of the horizon: critical, while it is still under the 80% warning level.',
	(r) => (i, m) => 0.70 + 0.06 * m / 60 + 0.0003 * r.gauss(),
	[{ service: 'db', kind: 'disk_filling', severity: 'critical', method: 'trend' }]);
volumeCase('disk-pressure-critical', 'A volume held at 93% of its size, flat: disk_pressure, critical (90%); not filling.',
	(r) => () => 0.93 + 0.0003 * r.gauss(),
	[{ service: 'db', kind: 'disk_pressure', severity: 'critical', method: 'threshold' }]);
volumeCase('disk-pressure-warning-filling', 'A volume at 84% growing 3% an hour: held above the 80% warning level and full in about 5 hours: a disk_pressure warning and a critical disk_filling.',
	(r) => (i, m) => 0.84 + 0.03 * m / 60 + 0.0003 * r.gauss(),
	[{ service: 'db', kind: 'disk_filling', severity: 'critical', method: 'trend' },
	 { service: 'db', kind: 'disk_pressure', severity: 'warning', method: 'threshold' }]);
add('disk-filling-with-traffic', 'A volume that fills as traffic grows (every request writes a row): 60% climbing 3% an hour while requests double over the hour. Memory that follows load is load; a volume that follows load still fills (it does not empty when traffic ebbs): disk_filling, a warning, full in about 13 hours.',
	(w, r) => [database('db', w, r, (i, m) => 0.60 + 0.03 * m / 60 + 0.0003 * r.gauss(), {
		rps: (i, m) => r.count(300 * (1 + m / 60)), p95: () => clampPos(around(r, 20, 2)),
	})], [{ service: 'db', kind: 'disk_filling', severity: 'warning', method: 'trend' }], undefined, { minutes: 60, stepS: 60 });
add('disk-size-unknown-bytes-level', 'A volume whose size the source does not report (a disk_usage query without disk_limit; a volume instance whose sizeMB is 0), at 7 GiB and growing 600 MiB an hour, with thresholds.disk.critical: 10GiB: the byte level stands for the size, full in about 5 hours: a critical disk_filling; the percentage levels say nothing without a size.',
	(w, r) => [database('db', w, r, (i, m) => 0.70 + 0.06 * m / 60 + 0.0003 * r.gauss(), { diskSizeUnknown: true })],
	[{ service: 'db', kind: 'disk_filling', severity: 'critical', method: 'trend' }],
	{ thresholds: { disk: { critical: '10GiB' } } }, { minutes: 60, stepS: 60 });
volumeCase('disk-flat-full-ish', 'Look-alike: a volume held at 78% of its size, flat (a database that is large, not growing): under the 80% level, no trend: quiet.',
	(r) => () => 0.78 + 0.0005 * r.gauss(), []);
volumeCase('disk-compacted-sawtooth', 'Look-alike: a volume that grows 6% in about 12 minutes and is compacted back (vacuum, log rotation), five times in an hour, from 50% to 56%: each ramp alone is a steep clean climb, the floor is flat: quiet.',
	(r, w) => gcHeap(r, w, { floor: 0.50, amp: 0.06, period: 12, noise: 0.0005 }), []);
volumeCase('disk-filling-under-compaction', 'A volume compacted every 12 minutes (50% to 56%) whose floor climbs 3% an hour underneath: what compaction reclaims is less than what is written. The peaks reach the size in about 13 hours: disk_filling, a warning.',
	(r, w) => gcHeap(r, w, { floor: 0.50, amp: 0.06, period: 12, leak: 0.03 / 60, noise: 0.0005 }),
	[{ service: 'db', kind: 'disk_filling', severity: 'warning', method: 'trend' }]);
volumeCase('disk-grows-then-compacted', 'Look-alike: a volume that grows from 60% to 66% over 40 minutes (a batch import), then a compaction takes it back to 60% and it stays: no trend to extrapolate, under the level: quiet.',
	(r) => (i, m) => (m < 40 ? 0.60 + 0.06 * m / 40 : 0.60) + 0.0003 * r.gauss(), []);
volumeCase('disk-filling-too-slow', 'Look-alike: a volume at 40% growing 1% an hour: full in 60 hours, beyond the 24-hour horizon: quiet (a capacity plan, not an incident).',
	(r) => (i, m) => 0.40 + 0.01 * m / 60 + 0.0003 * r.gauss(), []);
volumeCase('disk-filling-horizon-72h', 'The same slow volume (40%, 1% an hour: full in about 60 hours) with detect.disk_filling.horizon 72h: a warning.',
	(r) => (i, m) => 0.40 + 0.01 * m / 60 + 0.0003 * r.gauss(),
	[{ service: 'db', kind: 'disk_filling', severity: 'warning', method: 'trend' }], 60,
	{ detect: { disk_filling: { horizon: '72h' } } });

// ---------------------------------------------------------------- write
function fnv(s) {
	let h = 2166136261;
	for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
	return h;
}

// JSON with objects indented and arrays of plain values (a series) on one line.
function print(v, ind) {
	const flat = (x) => x === null || typeof x !== 'object' ||
		(Array.isArray(x) && x.every((y) => y === null || typeof y !== 'object' || (Array.isArray(y) && y.every((z) => z === null || typeof z !== 'object'))));
	if (flat(v)) return JSON.stringify(v);
	const inner = ind + '  ';
	if (Array.isArray(v)) return '[\n' + v.map((x) => inner + print(x, inner)).join(',\n') + '\n' + ind + ']';
	return '{\n' + Object.keys(v).map((k) => inner + JSON.stringify(k) + ': ' + print(v[k], inner)).join(',\n') + '\n' + ind + '}';
}

function main() {
	// SCENARIO_OUT and SCENARIO_SEED write the same cases with other noise elsewhere, to see how
	// much the expectations depend on this particular draw (the committed files use seed 0).
	const dir = process.env.SCENARIO_OUT || __dirname;
	const salt = process.env.SCENARIO_SEED || '';
	const only = process.argv[2];
	for (const c of cases) {
		if (only && c.name !== only) continue;
		const extra = c.window || {};
		const w = window(extra.minutes || 30, extra.stepS || 60);
		const r = prng(fnv(c.name + salt));
		const services = c.build(w, r);
		const doc = { description: c.description };
		if (c.config_overrides) doc.config_overrides = c.config_overrides;
		doc.observation = {
			source: 'scenario', project: 'acme', environment: 'production',
			start: iso(w.start), end: iso(w.end), step_s: w.stepS, services,
		};
		// `at` (minutes from the window start, default 0) is when the incident began: the bench
		// measures how long each system took to notice it. The table test ignores it.
		doc.expect = c.expect.map((e) => {
			const o = Object.assign({}, e);
			delete o.at;
			o.onset = iso(w.start + (e.at || 0) * 60000);
			return o;
		});
		fs.writeFileSync(path.join(dir, `${c.name}.json`), print(doc, '') + '\n');
	}
	console.log(`${cases.length} scenarios`);
}

main();
