// Shared by the journal's script tests: TAP output, the fake server, the
// workflow helper (tests/helpers/journal-workflow.c) and `autofix runs`.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { ok, done: tapDone, skipAll, sleep, startServer, stopServer, request: httpRequest } = require('../lib/tap');

function done() {
  tapDone();
  if (fake) stopServer(fake, 'SIGKILL');
  fake = null;
}

const binDir = process.env.TEST_BIN_DIR;
const helper = binDir && path.join(binDir, 'helpers', 'journal-workflow');
const autofix = process.env.AUTOFIX;
if (!helper || !fs.existsSync(helper)) skipAll('build/tests/helpers/journal-workflow is not built (run make test)');
if (!autofix || !fs.existsSync(autofix)) skipAll('AUTOFIX is not built');

// The token the workflow sends and the fake GitHub accepts (both read it from here).
process.env.FAKE_GITHUB_TOKEN = 'journal-test-token-0123456789';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
let fake = null;
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

async function startFake() {
  const portFile = path.join(tmp, 'port');
  const { child, port } = await startServer([path.join(__dirname, 'fake-server.mjs'), portFile], portFile,
    { stdio: ['ignore', 'inherit', 'inherit'] });
  fake = child;
  return `http://127.0.0.1:${port}`;
}

async function request(base, method, p) {
  const { body } = await httpRequest(base + p, method);
  return body ? JSON.parse(body) : null;
}
const stats = (base) => request(base, 'GET', '/__stats');
// What the fake GitHub found against GitHub's description so far: a test point.
async function noViolations(base) {
  const v = await request(base, 'GET', '/__violations');
  return ok(Array.isArray(v) && v.length === 0, "every GitHub call held to GitHub's OpenAPI description", v);
}
const reset = (base) => request(base, 'POST', '/__reset');

// The helper, synchronously; env adds to the environment.
function runHelper(args, env) {
  const r = spawnSync(helper, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// The helper in the background: a promise of its result, its process, and
// what it has written to stderr so far (to wait for what it says).
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
  return { child, result, stderr: () => stderr };
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

module.exports = { ok, done, skipAll, tmp, sleep, startFake, stats, noViolations, reset, runHelper, startHelper, runsJson, integrity, autofix };
