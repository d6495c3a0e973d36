#!/usr/bin/env node
// A fake Prometheus /api/v1/query_range on 127.0.0.1, for what the real
// server never sends (garbage values, duplicate timestamps) and for many
// services at once. Answers have the HTTP API's documented shape:
// {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},
// "values":[[<unix seconds>,"<value>"],...]}]}}.
//
//   node prometheus.js --port-file F [--services N] [--answers FILE]
//
// --services N: every query is answered with one series per service
//   svc0..svcN-1 (label service), a sample every step from start to end;
//   the value depends on the query's first word (memory: 100 MB of a
//   1 GB limit; cpu: 0.1 of 1 core; requests 10/s; latency 0.05 s).
// --answers FILE: a JSON object mapping a substring of the query (its
//   first match wins, in the file's order) to what to answer: either
//   {"result": [...]} (served as a success matrix, each series' "values"
//   as given, so they can be anything) or {"raw": "...", "status": 200}.
//   A query that matches nothing gets an empty result.
//
// GET /__stats answers {"requests": n}.
'use strict';
const fs = require('fs');
const http = require('http');

const opts = { services: 0 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === '--port-file') opts.portFile = v();
  else if (a === '--services') opts.services = Number(v());
  else if (a === '--answers') opts.answers = JSON.parse(fs.readFileSync(v(), 'utf8'));
  else { console.error(`prometheus.js: unknown argument ${a}`); process.exit(2); }
}

let requests = 0;

function synthValue(query) {
  if (/memory_limit|spec_memory/.test(query)) return '1000000000';
  if (/memory/.test(query)) return '100000000';
  if (/quota|cpu_limit/.test(query)) return '1';
  if (/cpu/.test(query)) return '0.1';
  if (/quantile|duration/.test(query)) return '0.05';
  if (/status=~"[45]/.test(query)) return '0';
  return '10';
}

function synth(query, start, end, step) {
  const result = [];
  const value = synthValue(query);
  for (let s = 0; s < opts.services; s++) {
    const values = [];
    for (let t = start; t <= end; t += step) values.push([t, value]);
    result.push({ metric: { service: `svc${s}` }, values });
  }
  return result;
}

function answer(res, query, start, end, step) {
  let body, status = 200;
  if (opts.answers) {
    const key = Object.keys(opts.answers).find((k) => query.includes(k));
    const a = key === undefined ? { result: [] } : opts.answers[key];
    if (a.raw !== undefined) {
      body = a.raw;
      status = a.status || 200;
    } else {
      body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: a.result } });
    }
  } else {
    body = JSON.stringify({ status: 'success',
      data: { resultType: 'matrix', result: synth(query, start, end, step) } });
  }
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => { raw += d; });
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__stats') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ requests }));
      return;
    }
    if (url.pathname !== '/api/v1/query_range') {
      res.writeHead(404);
      res.end('404 page not found\n');
      return;
    }
    requests++;
    const p = req.method === 'POST' ? new URLSearchParams(raw) : url.searchParams;
    const start = Number(p.get('start')), end = Number(p.get('end')), step = Number(p.get('step'));
    answer(res, p.get('query') || '', start, end, step);
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(opts.portFile, String(server.address().port));
});
