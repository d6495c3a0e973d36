// Shared by the journal's script tests: TAP output, the fake server, the
// workflow helper (tests/helpers/journal-workflow.c) and `autofix runs`.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

let n = 0, failed = 0;
function ok(cond, name, detail) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
  if (!cond && detail !== undefined) console.log('#   ' + JSON.stringify(detail).slice(0, 2000));
  return cond;
}
function done() {
  console.log(`1..${n}`);
  process.exitCode = failed ? 1 : 0;
  if (fake) fake.kill('SIGKILL');
  fake = null;
}
function skipAll(why) {
  console.log(`1..0 # SKIP ${why}`);
  process.exit(0);
}

const binDir = process.env.TEST_BIN_DIR;
const helper = binDir && path.join(binDir, 'helpers', 'journal-workflow');
const autofix = process.env.AUTOFIX;
if (!helper || !fs.existsSync(helper)) skipAll('build/tests/helpers/journal-workflow is not built (run make test)');
if (!autofix || !fs.existsSync(autofix)) skipAll('AUTOFIX is not built');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
let fake = null;
process.on('exit', () => {
  if (fake) fake.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function startFake() {
  const portFile = path.join(tmp, 'port');
  fake = spawn(process.execPath, [path.join(__dirname, 'fake-server.js'), portFile], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8')) return `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8')}`;
    await sleep(100);
  }
  throw new Error('the fake server did not start within 10s');
}

function request(base, method, p) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + p, { method, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body ? JSON.parse(body) : null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
const stats = (base) => request(base, 'GET', '/__stats');
const reset = (base) => request(base, 'POST', '/__reset');

// The helper, synchronously; env adds to the environment.
function runHelper(args, env) {
  const r = spawnSync(helper, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// The helper in the background: a promise of its result, and its process.
function startHelper(args, env) {
  const child = spawn(helper, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
  const result = new Promise((resolve) => child.on('close', (status, signal) => {
    clearTimeout(timer);
    resolve({ status, signal, stdout, stderr });
  }));
  return { child, result };
}

function runsJson(state, ...args) {
  const r = spawnSync(autofix, ['runs', ...args, '--json', '--state', state], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) return { error: r.stderr, status: r.status };
  return JSON.parse(r.stdout);
}

function integrity(state) {
  const r = runHelper(['--check', state]);
  return r.status === 0 && r.stdout.trim() === 'ok';
}

module.exports = { ok, done, skipAll, tmp, sleep, startFake, stats, reset, runHelper, startHelper, runsJson, integrity, autofix };
