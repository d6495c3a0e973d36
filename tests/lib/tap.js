// What the node script tests share (tests/lib/tap.sh is the shell side):
// TAP output, and loopback servers that write the port they listen on to a
// file, started on a free port and stopped by PID when the test exits.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');

let n = 0, failed = 0;

// A test point. On failure, detail follows as diagnostics: a string line by
// line, anything else as (at most 2000 characters of) its JSON.
function ok(cond, name, detail) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!cond && detail !== undefined && detail !== '') {
    if (typeof detail === 'string') console.log(detail.split('\n').map((l) => `# ${l}`).join('\n'));
    else console.log('#   ' + JSON.stringify(detail).slice(0, 2000));
  }
  return cond;
}

// The plan; the exit code says whether every point passed.
function done() {
  console.log(`1..${n}`);
  process.exitCode = failed ? 1 : 0;
}

function skipAll(why) {
  console.log(`1..0 # SKIP ${why}`);
  process.exit(0);
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

const servers = new Set();
process.on('exit', () => { for (const c of servers) stopServer(c, 'SIGKILL'); });

// Runs `node ...argv` (spawn options in opts), a server that writes its port
// to portFile; resolves to {child, port} once it has, rejects when it exits
// first or after 30 s (generous: a loaded machine starts node slowly).
async function startServer(argv, portFile, opts) {
  const child = spawn(process.execPath, argv, opts);
  servers.add(child);
  for (const end = Date.now() + 30000; Date.now() < end && child.exitCode === null && !child.signalCode;) {
    const port = fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8');
    if (port) return { child, port: Number(port) };
    await sleep(100);
  }
  const name = path.basename(argv[0]);
  if (child.exitCode !== null || child.signalCode)
    throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before writing its port`);
  throw new Error(`${name} did not start within 30s`);
}

function stopServer(child, signal) {
  servers.delete(child);
  try { child.kill(signal || 'SIGTERM'); } catch (e) { /* gone */ }
}

// One request with a 5 s timeout and an optional body (a string): {status, body}.
function request(url, method, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

module.exports = { ok, done, skipAll, sleep, startServer, stopServer, request };
