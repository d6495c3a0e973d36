#!/usr/bin/env node
// What one `autofix scan --dry-run` costs as the number of watched services
// grows, beside the request pattern of the system autofix replaces
// (build/bench/replaced-scan, sent through the same HTTP layer), with every
// answer 50 ms late (LATENCY_MS, a round trip): requests and bytes (each
// client's own count, checked against the server side's), wall and CPU time
// and peak RSS of the process (wait4(2) through build/bench/rusage), and the
// server's processing, so that the wall time can be read without it. Two
// tables:
//
// Railway: against the fake Railway of the tests (tests/fakes/railway.js,
// N synthetic healthy services with a sample every minute for 84 hours and
// one old deployment each), which adds the latency and measures its own
// processing. The replaced system: one architecture query, then per
// service a limits, a metrics and an HTTP-log query, one at a time.
//
// Prometheus, when prometheus and promtool are installed: against a real
// Prometheus loaded with N services (bench/prometheus-cost), behind
// bench/delay-proxy.js, which adds the latency and measures the time the
// server had a request. The replaced system: per service, one query_range
// per signal (CPU, memory, their limits, request rate, 5xx and 4xx rates,
// p95 latency), one at a time. One request at a time at 50 ms makes it
// about 7 minutes at 1000 services: it is measured up to
// BENCH_PROMETHEUS_REPLACED_MAX services (100) and extrapolated, linearly
// and labelled so, beyond.
//
//   node bench/scan-cost.js [--record bench/RESULTS.md] [N...]
//
// With --record each table replaces its own section of the file ("Scan
// cost, Railway", "Scan cost, Prometheus"; appended when missing). Not a
// pass/fail test: the goals (requests independent of N up to a chunk; at
// 100 services a wall time within 3 round trips plus the server's
// processing; peak RSS under 64 MiB at 1000 services) are printed with their
// status under each table.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
process.env.NODE_PATH = path.join(root, 'tests', 'node_modules');
require('module').Module._initPaths();
const { startServer, stopServer } = require(path.join(root, 'tests', 'lib', 'tap'));

const build = process.env.BUILD || 'build';
const autofix = process.env.AUTOFIX || path.join(root, build, 'autofix');
const rusage = path.join(root, build, 'bench', 'rusage');
const replaced = path.join(root, build, 'bench', 'replaced-scan');
const LATENCY_MS = 50;
// Requests autofix sends at once to Prometheus (PROM_CONCURRENCY in bot/source/prometheus.c).
const PER_HOST = 12;
const REPLACED_MAX = Number(process.env.BENCH_PROMETHEUS_REPLACED_MAX || 100);
if (!(REPLACED_MAX >= 0)) {
  console.error(`scan-cost: BENCH_PROMETHEUS_REPLACED_MAX is '${process.env.BENCH_PROMETHEUS_REPLACED_MAX}', not a number of services`);
  process.exit(2);
}
const args = process.argv.slice(2);
let record = null;
if (args[0] === '--record') { record = args[1]; args.splice(0, 2); }
const counts = args.length ? args.map(Number) : [1, 10, 100, 1000];
const NOW = '2026-11-28T10:00:00Z';
// Data for three and a half days: the window, its regression baseline and the same hours on the
// earlier days seasonal_days compares with (2 by default; room for 3).
const HISTORY_MIN = 84 * 60;
const TOKEN = '9f1c2d3e-4b5a-4c6d-8e7f-a1b2c3d4e5f6';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-cost-'));

function config(port, n) {
  const lines = ['version: 1', 'source:', '  railway:', '    project: p-autofix-test', '    environment: production',
    '    token_env: BENCH_RAILWAY_TOKEN', '    token_kind: project', `    endpoint: http://127.0.0.1:${port}/graphql/v2`,
    'window: 30m', 'services:'];
  for (let k = 0; k < n; k++) lines.push(`  svc-${String(k).padStart(3, '0')}: {}`);
  return lines.join('\n') + '\n';
}

// One scan of n services by system ('autofix' or 'replaced') against a fresh fake Railway.
async function measureRailway(n, system) {
  const portFile = path.join(tmp, `port-${system}-${n}`);
  const { child, port } = await startServer([path.join(root, 'tests', 'fakes', 'railway.js'), '--port-file', portFile,
    '--services', String(n), '--history', String(HISTORY_MIN), '--now', NOW, '--token', TOKEN, '--token-kind', 'project',
    '--latency', String(LATENCY_MS), '--synthetic-deployments'], portFile,
  { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const endpoint = `http://127.0.0.1:${port}/graphql/v2`;
    let argv;
    if (system === 'autofix') {
      const cfg = path.join(tmp, `autofix-${n}.yml`);
      fs.writeFileSync(cfg, config(port, n));
      argv = [autofix, 'scan', '--dry-run', '--json', '--config', cfg];
    } else {
      argv = [replaced, 'railway', endpoint, 'p-autofix-test', TOKEN, NOW, '30'];
    }
    const r = spawnSync(rusage, argv, {
      encoding: 'utf8', timeout: 1800000, maxBuffer: 1 << 30,
      env: { ...process.env, AUTOFIX_NOW: NOW, BENCH_RAILWAY_TOKEN: TOKEN, AUTOFIX_STATE: path.join(tmp, `state-${n}.db`),
        GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' },
    });
    const cost = JSON.parse(r.stderr.trim().split('\n').pop());
    let out = null;
    try { out = JSON.parse(r.stdout); } catch (e) { /* reported below */ }
    const counted = out && (system === 'autofix' ? out.cost : out);
    if (cost.exit !== 0 || !counted) {
      throw new Error(`${system}, ${n} services: exit ${cost.exit}\n${r.stderr.split('\n').slice(-5).join('\n')}`);
    }
    const stats = await (await fetch(`http://127.0.0.1:${port}/__stats`, { signal: AbortSignal.timeout(5000) })).json();
    return { n, system, requests: counted.requests, server_requests: stats.requests, bytes: counted.bytes,
      server_s: stats.busy_ms / 1000, ...cost };
  } finally {
    stopServer(child);
  }
}

// The Prometheus rows: both systems for each n, each n against its own Prometheus (bench/prometheus-cost);
// the replaced system past REPLACED_MAX extrapolated from its largest measured row. [] without
// Prometheus (said on stderr).
function prometheusRows(counts) {
  const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!have('prometheus') || !have('promtool')) {
    console.error('scan-cost: no Prometheus table (prometheus and promtool not installed)');
    return [];
  }
  const rows = [];
  for (const n of counts) {
    const systems = n <= REPLACED_MAX ? ['autofix', 'replaced'] : ['autofix'];
    const r = spawnSync(path.join(root, 'bench', 'prometheus-cost'), ['--latency', String(LATENCY_MS), String(n), ...systems], {
      encoding: 'utf8', timeout: 1800000, env: { ...process.env, BUILD: build },
    });
    if (r.status !== 0) throw new Error(`bench/prometheus-cost ${n} failed:\n${r.stderr}`);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    rows.push(...got);
    if (n > REPLACED_MAX) {
      const base = rows.filter((x) => x.system === 'replaced').pop();
      if (base) {
        const k = n / base.n;
        rows.push({ n, system: 'replaced', extrapolated: base.n, requests: Math.round(base.requests * k),
          server_requests: Math.round(base.server_requests * k), bytes: base.bytes * k, server_s: base.server_s * k,
          wall_s: base.wall_s * k, user_s: base.user_s * k, sys_s: base.sys_s * k, maxrss_kb: null });
      }
    }
  }
  return rows;
}

function mib(kb) { return (kb / 1024).toFixed(1); }

// The table of rows; server names the server side in the headings ("fake's", "Prometheus's").
function table(rows, server) {
  const lines = [
    `| services | system | requests | received | wall | ${server} processing | wall without it | CPU (user+sys) | peak RSS |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cpu = r.user_s + r.sys_s;
    const who = r.system === 'autofix' ? 'autofix' :
      r.extrapolated ? `replaced system, extrapolated from ${r.extrapolated}` : 'replaced system';
    lines.push(`| ${r.n} | ${who} | ` +
      `${r.requests}${r.requests === r.server_requests ? '' : ` (server: ${r.server_requests})`} | ` +
      `${(r.bytes / 1048576).toFixed(2)} MiB | ${r.wall_s.toFixed(2)} s | ${r.server_s.toFixed(2)} s | ` +
      `${(r.wall_s - r.server_s).toFixed(2)} s | ${cpu.toFixed(2)} s | ` +
      `${r.maxrss_kb === null ? 'not measured' : `${mib(r.maxrss_kb)} MiB`} |`);
  }
  return lines.join('\n');
}

// The goals, each with its status; requestsGoal(autofix rows) says the first one.
function goals(rows, server, requestsGoal) {
  const out = [];
  const auto = rows.filter((r) => r.system === 'autofix');
  if (auto.length) out.push(requestsGoal(auto));
  const h = auto.find((r) => r.n === 100);
  if (h) {
    const budget = 3 * LATENCY_MS / 1000 + h.server_s;
    out.push(`at 100 services, wall time within 3 round trips (${3 * LATENCY_MS} ms) plus ${server} processing ` +
      `(${h.server_s.toFixed(2)} s): ${h.wall_s.toFixed(2)} s against ${budget.toFixed(2)} s: ${h.wall_s <= budget ? 'met' : 'NOT met'}`);
  }
  const k = auto.find((r) => r.n === 1000);
  if (k) {
    out.push(`peak RSS at 1000 services: ${mib(k.maxrss_kb)} MiB (goal: under 64 MiB): ${k.maxrss_kb < 64 * 1024 ? 'met' : 'NOT met'}`);
  }
  return out;
}

function railwayRequestsGoal(auto) {
  const perChunk = auto[0].requests;
  const same = auto.filter((r) => r.requests === perChunk).map((r) => r.n);
  return `requests independent of N up to a chunk: autofix ${auto.map((r) => `${r.requests} at ${r.n}`).join(', ')} ` +
    `(1 + 2 per chunk of services; the same ${perChunk} up to ${Math.max(...same)} services; met when every chunk ` +
    `covers at least 100 services): ` +
    `${auto.every((r) => r.requests <= 1 + (perChunk - 1) * Math.ceil(r.n / 100)) ? 'met' : 'NOT met'}`;
}

function prometheusRequestsGoal(auto) {
  return `requests independent of N: autofix ${auto.map((r) => `${r.requests} at ${r.n}`).join(', ')} ` +
    `(one query_range per default query and day looked at, whatever the number of services: 8 × (today + 2 ` +
    `seasonal days)): ${auto.every((r) => r.requests === auto[0].requests) ? 'met' : 'NOT met'}`;
}

function machine() {
  const cpu = os.cpus();
  return `Machine: ${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, ` +
    `${Math.round(os.totalmem() / 1073741824)} GiB, ${os.type()} ${os.release()}; shared with other work, so ` +
    'times are indicative.';
}

// Replaces the section of file whose heading starts with `## ${title} (\`make bench\`)` by one
// with today's date, intro, table and goals; when missing, it goes after the last "## Scan cost"
// section, or at the end.
function recordSection(file, title, intro, tbl, status) {
  const date = new Date().toISOString().slice(0, 10);
  const section = `## ${title} (\`make bench\`), ${date}\n\n${intro}\n\n${tbl}\n\nGoals:\n\n` +
    status.map((g) => `- ${g.charAt(0).toUpperCase() + g.slice(1)}.`).join('\n') + '\n';
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const esc = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`## ${esc} \\(\`make bench\`\\)[\\s\\S]*?(?=\\n## |$)`);
  if (re.test(text)) {
    text = text.replace(re, section.trimEnd() + '\n');
  } else {
    const last = text.lastIndexOf('\n## Scan cost');
    const next = last < 0 ? -1 : text.indexOf('\n## ', last + 1);
    text = next < 0 ? text.trimEnd() + '\n\n' + section : text.slice(0, next) + '\n' + section + text.slice(next);
  }
  fs.writeFileSync(file, text);
}

const RAILWAY_INTRO = '`autofix scan --dry-run` beside the request pattern of the system autofix replaces (one ' +
  'architecture query, then per service a limits, a metrics and an HTTP-log query, one at a time: ' +
  '`bench/replaced-scan.c`, through autofix\'s HTTP layer), against the fake Railway (`bench/scan-cost.js`): N ' +
  'synthetic healthy services with a sample every minute for 84 hours and one old deployment each, every answer ' +
  `sent ${LATENCY_MS} ms late (a round trip). autofix asks for a 30-minute window at 1-minute steps with the ` +
  'default regression baseline (1 h) and two seasonal days, 91 samples per series today, 31 on each earlier day; ' +
  'the replaced system for the 30-minute window only. "Fake\'s processing" is the fake\'s own time (graphql-js ' +
  'validating and executing each document, JSON), measured by the fake; "wall without it" subtracts it.';

function prometheusIntro(rows) {
  const last = rows.filter((r) => r.extrapolated).pop();
  const auto = rows.find((r) => r.system === 'autofix');
  const rounds = auto && Math.ceil(auto.requests / PER_HOST);
  return 'The replaced system\'s pattern against Prometheus: service after service, one `GET /api/v1/query_range` ' +
    'per signal it watches (CPU, CPU limit, memory, memory limit, request rate, 5xx rate, 4xx rate, p95 latency: ' +
    'autofix\'s default queries, each matching that one service), one request at a time, for the 30-minute window ' +
    'at 1-minute steps: 8 requests a service (`bench/replaced-scan.c`, through autofix\'s HTTP layer). Beside it ' +
    '`autofix scan --dry-run` with its default queries, each one request for all services, sent ' +
    `${PER_HOST} at a time ` +
    '(its concurrency against Prometheus), for the window, its 1-hour regression baseline and two seasonal days' +
    (rounds ? `: ${auto.requests} requests are ${rounds} round trips, so ${rounds * LATENCY_MS} ms is its floor here` +
      (rounds > 3 ? ', beyond the 3 round trips of the goal. ' : '. ') : '. ') +
    'Both against a real Prometheus (Debian\'s package; `bench/prometheus-cost`) loaded by promtool with N healthy ' +
    'services sampled every minute (10 series each) on those hours today and on the two days before, behind ' +
    `\`bench/delay-proxy.js\`, which sends every answer ${LATENCY_MS} ms after Prometheus has given it whole (a round ` +
    'trip). "Prometheus\'s processing" is the time during which Prometheus had at least one request, from its ' +
    'forwarding to the end of its answer (concurrent ones counted once; the loopback transfer and the proxy\'s ' +
    'forwarding included), measured by the proxy; "wall without it" subtracts it.' +
    (last ? ` One request at a time, the replaced system would take about ${Math.round(last.wall_s / 60)} minutes at ` +
      `${last.n} services; it is ` +
      `measured up to ${REPLACED_MAX} services (\`BENCH_PROMETHEUS_REPLACED_MAX\` raises that) and the rows beyond ` +
      'are extrapolated linearly from the largest measured one (its requests, bytes and times grow with the number ' +
      'of services, one service after another; its peak RSS is not measured there).' : '');
}

(async () => {
  const railway = [];
  for (const n of counts) for (const system of ['autofix', 'replaced']) railway.push(await measureRailway(n, system));
  const railwayTable = table(railway, 'fake\'s');
  const railwayGoals = goals(railway, 'the fake\'s', railwayRequestsGoal);
  console.log(railwayTable + '\n\n' + railwayGoals.join('\n'));
  if (record) recordSection(record, 'Scan cost, Railway', `${RAILWAY_INTRO} ${machine()}`, railwayTable, railwayGoals);

  const prom = prometheusRows(counts);
  if (!prom.length) return;
  const promTable = table(prom, 'Prometheus\'s');
  const promGoals = goals(prom, 'Prometheus\'s', prometheusRequestsGoal);
  console.log('\n== scan cost: the same against a real Prometheus behind a proxy (50 ms a round trip)\n' +
    promTable + '\n\n' + promGoals.join('\n'));
  if (record) recordSection(record, 'Scan cost, Prometheus', `${prometheusIntro(prom)} ${machine()}`, promTable, promGoals);
})().catch((e) => {
  console.error(`scan-cost: ${e.message}`);
  process.exitCode = 1;
}).finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
