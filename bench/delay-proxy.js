#!/usr/bin/env node
// A loopback HTTP proxy that sends every answer DELAY_MS after the server
// behind it has given it whole: a fixed round trip added to a real server
// (bench/prometheus-cost puts it in front of Prometheus), as the fake
// Railway's --latency does for the fake.
//
//   node bench/delay-proxy.js PORT_FILE TARGET DELAY_MS
//
// It listens on a free port of 127.0.0.1, written to PORT_FILE once it
// listens, and forwards to TARGET (http://127.0.0.1:PORT only).
// GET /__stats answers {"requests", "busy_ms"} (never forwarded, never
// counted): the requests forwarded, and the time during which at least one
// of them was at the server, from its forwarding to the end of its answer
// (the union of those intervals, so that answers worked on at the same
// time count once): the server's processing plus the loopback transfer, the
// added delay not included. Stopped by SIGTERM.
'use strict';
const http = require('http');
const fs = require('fs');

const [portFile, target, delayArg] = process.argv.slice(2);
const delay = Number(delayArg);
if (!portFile || !target || !Number.isFinite(delay) || delay < 0) {
  process.stderr.write('usage: delay-proxy.js PORT_FILE TARGET DELAY_MS\n');
  process.exit(2);
}
const up = new URL(target);
if (up.hostname !== '127.0.0.1') {
  process.stderr.write(`delay-proxy.js: the target must be on 127.0.0.1, not ${up.hostname}\n`);
  process.exit(2);
}

const stats = { requests: 0, busy_ms: 0 };
let inFlight = 0;
let busySince = 0n;
function started() {
  if (inFlight++ === 0) busySince = process.hrtime.bigint();
}
function finished() {
  if (--inFlight === 0) stats.busy_ms += Number(process.hrtime.bigint() - busySince) / 1e6;
}

const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  if (req.url === '/__stats' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(stats));
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    stats.requests++;
    started();
    let done = false;
    const fail = (e) => {
      if (done) return;
      done = true;
      finished();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`delay-proxy.js: ${e.message}\n`);
    };
    const r = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url,
      headers: req.headers, agent }, (ur) => {
      const body = [];
      ur.on('data', (c) => body.push(c));
      ur.on('error', fail);
      ur.on('end', () => {
        if (done) return;
        done = true;
        finished();
        const b = Buffer.concat(body);
        const h = { ...ur.headers };
        delete h['transfer-encoding'];
        h['content-length'] = String(b.length);
        setTimeout(() => {
          res.writeHead(ur.statusCode, h);
          res.end(b);
        }, delay);
      });
    });
    r.setTimeout(60000, () => r.destroy(new Error('upstream timeout (60 s)')));
    r.on('error', fail);
    r.end(Buffer.concat(chunks));
  });
});
const sockets = new Set();
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
// Written whole, then renamed: a reader never sees half a port.
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(`${portFile}.tmp`, String(server.address().port));
  fs.renameSync(`${portFile}.tmp`, portFile);
});
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
