#!/usr/bin/env node
// What one `autofix scan --dry-run` costs as the number of watched services
// grows: requests and bytes (autofix's own count, checked against the
// fake's), wall and CPU time and peak RSS of the autofix process (wait4(2)
// through build/bench/rusage), against the fake Railway of the tests
// (tests/fakes/railway.js, N synthetic healthy services with a sample every
// minute for 84 hours).
//
//   node bench/scan-cost.js [--record bench/RESULTS.md] [N...]
//
// Then, when Prometheus and promtool are installed, the same for 1000
// services against a real Prometheus (bench/prometheus-cost).
//
// With --record the table replaces the "Scan cost" section of the file
// (appended when missing). Not a pass/fail test: the goals (peak RSS under
// 64 MiB at 1000 services, CPU time growing linearly) are printed beside
// the figures.
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
const args = process.argv.slice(2);
let record = null;
if (args[0] === '--record') { record = args[1]; args.splice(0, 2); }
const counts = args.length ? args.map(Number) : [1, 10, 100, 1000, 2000];
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

async function measure(n) {
  const portFile = path.join(tmp, `port-${n}`);
  const { child, port } = await startServer([path.join(root, 'tests', 'fakes', 'railway.js'), '--port-file', portFile,
    '--services', String(n), '--history', String(HISTORY_MIN), '--now', NOW, '--token', TOKEN, '--token-kind', 'project'], portFile,
  { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const cfg = path.join(tmp, `autofix-${n}.yml`);
    fs.writeFileSync(cfg, config(port, n));
    const r = spawnSync(rusage, [autofix, 'scan', '--dry-run', '--json', '--config', cfg], {
      encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 30,
      env: { ...process.env, AUTOFIX_NOW: NOW, BENCH_RAILWAY_TOKEN: TOKEN, AUTOFIX_STATE: path.join(tmp, `state-${n}.db`),
        GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' },
    });
    const cost = JSON.parse(r.stderr.trim().split('\n').pop());
    let scan = null;
    try { scan = JSON.parse(r.stdout); } catch (e) { /* reported below */ }
    if (cost.exit !== 0 || !scan || !scan.cost) {
      throw new Error(`${n} services: exit ${cost.exit}\n${r.stderr.split('\n').slice(-5).join('\n')}`);
    }
    const stats = await (await fetch(`http://127.0.0.1:${port}/__stats`, { signal: AbortSignal.timeout(5000) })).json();
    return { n, requests: scan.cost.requests, fakeRequests: stats.requests, bytes: scan.cost.bytes,
      services: scan.services.length, ...cost };
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

(async () => {
  const rows = [];
  for (const n of counts) rows.push(await measure(n));
  const lines = [
    '| services | requests | received | wall | CPU (user+sys) | CPU per service | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cpu = r.user_s + r.sys_s;
    lines.push(`| ${r.n} | ${r.requests}${r.requests === r.fakeRequests ? '' : ` (fake: ${r.fakeRequests})`} | ` +
      `${(r.bytes / 1048576).toFixed(2)} MiB | ${r.wall_s.toFixed(2)} s | ${cpu.toFixed(2)} s | ` +
      `${(1000 * cpu / r.n).toFixed(2)} ms | ${mib(r.maxrss_kb)} MiB |`);
  }
  const prom = prometheusRow();
  if (prom) {
    const cpu = prom.user_s + prom.sys_s;
    lines.push(`| ${prom.n} (Prometheus) | ${prom.requests} | ${(prom.bytes / 1048576).toFixed(2)} MiB | ` +
      `${prom.wall_s.toFixed(2)} s | ${cpu.toFixed(2)} s | ${(1000 * cpu / prom.n).toFixed(2)} ms | ${mib(prom.maxrss_kb)} MiB |`);
  }
  const table = lines.join('\n');
  console.log(table);
  const at1000 = rows.find((r) => r.n === 1000);
  const goal = at1000 ? `peak RSS at 1000 services: ${mib(at1000.maxrss_kb)} MiB (goal: under 64 MiB): ` +
    `${at1000.maxrss_kb < 64 * 1024 ? 'met' : 'NOT met'}` : '';
  if (goal) console.log(`\n${goal}`);
  if (record) {
    const date = new Date().toISOString().slice(0, 10);
    const cpu = os.cpus();
    const section = `## Scan cost, Railway (\`make bench\`), ${date}\n\n` +
      `\`autofix scan --dry-run\` against the fake Railway (\`bench/scan-cost.js\`): N synthetic healthy services with a sample ` +
      `every minute for 84 hours; the scan asks for a 30-minute window at 1-minute steps with the default regression ` +
      `baseline (1 h) and two seasonal days (the default; each earlier day adds about 8 MiB of peak RSS at 1000 ` +
      `services), 91 samples per series today, 31 on each earlier day. ` +
      `Machine: ${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : 'unknown CPU'}, ` +
      `${Math.round(os.totalmem() / 1073741824)} GiB, ${os.type()} ${os.release()}; shared with other work, so ` +
      `times are indicative. Wall time includes the fake's own work (graphql-js validating and executing each document). ` +
      `The Prometheus row is a real Prometheus loaded by promtool with 1000 services sampled every minute ` +
      `(\`bench/prometheus-cost\`).\n\n` +
      table + '\n\n' + (goal ? goal.charAt(0).toUpperCase() + goal.slice(1) + '.\n' : '');
    let text = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '# Benchmark results\n';
    const re = /## Scan cost, Railway \(`make bench`\)[\s\S]*?(?=\n## |$)/;
    text = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : text.trimEnd() + '\n\n' + section;
    fs.writeFileSync(record, text);
  }
})().catch((e) => {
  console.error(`scan-cost: ${e.message}`);
  process.exitCode = 1;
}).finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
