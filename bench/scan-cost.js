#!/usr/bin/env node
// What one `autofix scan --dry-run` costs as the number of watched services
// grows, beside the request pattern of the system autofix replaces (one
// architecture query, then per service a limits, a metrics and an HTTP-log
// query, one at a time: build/bench/replaced-scan, sent through the same
// HTTP layer): requests and bytes (each client's own count, checked against
// the fake's), wall and CPU time and peak RSS of the process (wait4(2)
// through build/bench/rusage), against the fake Railway of the tests
// (tests/fakes/railway.js, N synthetic healthy services with a sample every
// minute for 84 hours and one old deployment each), which answers every
// request LATENCY_MS (50) late and reports its own processing time, so
// that the wall time can be read without it.
//
//   node bench/scan-cost.js [--record bench/RESULTS.md] [N...]
//
// Then, when Prometheus and promtool are installed, autofix against a real
// Prometheus with 1000 services (bench/prometheus-cost; no added latency).
//
// With --record the table replaces the "Scan cost" section of the file
// (appended when missing). Not a pass/fail test: the goals (requests
// independent of N up to a chunk; at 100 services a wall time within 3
// round trips plus the fake's processing; peak RSS under 64 MiB at 1000
// services) are printed with their status under the table.
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

// One scan of n services by system ('autofix' or 'replaced') against a fresh fake.
async function measure(n, system) {
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
    return { n, system, requests: counted.requests, fakeRequests: stats.requests, bytes: counted.bytes,
      fake_s: stats.busy_ms / 1000, ...cost };
  } finally {
    stopServer(child);
  }
}

// bench/prometheus-cost's figures for 1000 services, or null without Prometheus (said on stderr).
function prometheusRow() {
  const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!have('prometheus') || !have('promtool')) {
    console.error('scan-cost: no Prometheus row (prometheus and promtool not installed)');
    return null;
  }
  const r = spawnSync(path.join(root, 'bench', 'prometheus-cost'), ['1000'], {
    encoding: 'utf8', timeout: 1800000, env: { ...process.env, BUILD: build },
  });
  if (r.status !== 0) {
    console.error(`scan-cost: bench/prometheus-cost failed:\n${r.stderr}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function mib(kb) { return (kb / 1024).toFixed(1); }

// The goals, each with its status.
function goals(rows) {
  const out = [];
  const auto = rows.filter((r) => r.system === 'autofix');
  const one = auto.find((r) => r.n === 1);
  if (one) {
    const perChunk = one.requests;
    const same = auto.filter((r) => r.requests === perChunk).map((r) => r.n);
    out.push(`requests independent of N up to a chunk: autofix ${auto.map((r) => `${r.requests} at ${r.n}`).join(', ')} ` +
      `(1 + 2 per chunk of services; the same ${perChunk} up to ${Math.max(...same)} services; met when every chunk ` +
      `covers at least 100 services): ` +
      `${auto.every((r) => r.requests <= 1 + (perChunk - 1) * Math.ceil(r.n / 100)) ? 'met' : 'NOT met'}`);
  }
  const h = auto.find((r) => r.n === 100);
  if (h) {
    const budget = 3 * LATENCY_MS / 1000 + h.fake_s;
    out.push(`at 100 services, wall time within 3 round trips (${3 * LATENCY_MS} ms) plus the fake's processing ` +
      `(${h.fake_s.toFixed(2)} s): ${h.wall_s.toFixed(2)} s against ${budget.toFixed(2)} s: ${h.wall_s <= budget ? 'met' : 'NOT met'}`);
  }
  const k = auto.find((r) => r.n === 1000);
  if (k) {
    out.push(`peak RSS at 1000 services: ${mib(k.maxrss_kb)} MiB (goal: under 64 MiB): ${k.maxrss_kb < 64 * 1024 ? 'met' : 'NOT met'}`);
  }
  return out;
}

(async () => {
  const rows = [];
  for (const n of counts) for (const system of ['autofix', 'replaced']) rows.push(await measure(n, system));
  const lines = [
    '| services | system | requests | received | wall | fake\'s processing | wall without it | CPU (user+sys) | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cpu = r.user_s + r.sys_s;
    lines.push(`| ${r.n} | ${r.system === 'autofix' ? 'autofix' : 'replaced system'} | ` +
      `${r.requests}${r.requests === r.fakeRequests ? '' : ` (fake: ${r.fakeRequests})`} | ` +
      `${(r.bytes / 1048576).toFixed(2)} MiB | ${r.wall_s.toFixed(2)} s | ${r.fake_s.toFixed(2)} s | ` +
      `${(r.wall_s - r.fake_s).toFixed(2)} s | ${cpu.toFixed(2)} s | ${mib(r.maxrss_kb)} MiB |`);
  }
  const prom = prometheusRow();
  let promLine = '';
  if (prom) {
    const cpu = prom.user_s + prom.sys_s;
    promLine = `Prometheus (a real one, no added latency), autofix at ${prom.n} services: ${prom.requests} requests, ` +
      `${(prom.bytes / 1048576).toFixed(2)} MiB received, wall ${prom.wall_s.toFixed(2)} s, CPU ${cpu.toFixed(2)} s, ` +
      `peak RSS ${mib(prom.maxrss_kb)} MiB.`;
  }
  const table = lines.join('\n');
  console.log(table);
  if (promLine) console.log(`\n${promLine}`);
  const status = goals(rows);
  console.log('\n' + status.join('\n'));
  if (record) {
    const date = new Date().toISOString().slice(0, 10);
    const cpu = os.cpus();
    const section = `## Scan cost, Railway (\`make bench\`), ${date}\n\n` +
      `\`autofix scan --dry-run\` beside the request pattern of the system autofix replaces (one architecture query, ` +
      `then per service a limits, a metrics and an HTTP-log query, one at a time: \`bench/replaced-scan.c\`, through ` +
      `autofix's HTTP layer), against the fake Railway (\`bench/scan-cost.js\`): N synthetic healthy services with a ` +
      `sample every minute for 84 hours and one old deployment each, every answer sent ${LATENCY_MS} ms late (a round ` +
      `trip). autofix asks for a 30-minute window at 1-minute steps with the default regression baseline (1 h) and two ` +
      `seasonal days, 91 samples per series today, 31 on each earlier day; the replaced system for the 30-minute window ` +
      `only. "Fake's processing" is the fake's own time (graphql-js validating and executing each document, JSON), ` +
      `measured by the fake; "wall without it" subtracts it. ` +
      `Machine: ${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, ` +
      `${Math.round(os.totalmem() / 1073741824)} GiB, ${os.type()} ${os.release()}; shared with other work, so ` +
      `times are indicative.\n\n` +
      table + '\n\n' + (promLine ? promLine + ' (`bench/prometheus-cost`: loaded by promtool, sampled every minute.)\n\n' : '') +
      'Goals:\n\n' + status.map((g) => `- ${g.charAt(0).toUpperCase() + g.slice(1)}.`).join('\n') + '\n';
    let text = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '# Benchmark results\n';
    const re = /## Scan cost, Railway \(`make bench`\)[\s\S]*?(?=\n## |$)/;
    text = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : text.trimEnd() + '\n\n' + section;
    fs.writeFileSync(record, text);
  }
})().catch((e) => {
  console.error(`scan-cost: ${e.message}`);
  process.exitCode = 1;
}).finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
