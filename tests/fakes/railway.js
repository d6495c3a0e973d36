#!/usr/bin/env node
// A fake Railway GraphQL API on 127.0.0.1, held to Railway's contract:
// every document is validated against the part of Railway's schema autofix
// uses (tests/fakes/railway.graphql, checked to agree with Railway's
// published schema by railway-schema.test; an invalid document is answered
// with a GraphQL error, as Railway does) and then executed by graphql-js
// against that schema, so the answers have exactly the schema's shapes. It serves one observation (the scenario format of
// tests/scenarios/, or N synthetic healthy services) and counts requests.
// A scenario service with a "volume" ({name, mount_path}) has a volume
// instance in the environment: its size (sizeMB) is the last "disk_limit"
// sample (0 without one: a size not reported), its current size the last
// "disk" one, and metrics(volumeId) serves "disk" as DISK_USAGE_GB.
//
//   node railway.js --port-file F [--scenario FILE | --services N --now ISO] [--log-extra TEXT]
//                   [--token T] [--token-kind project|account] [--fail FIELD]
//                   [--port N] [--history MINUTES] [--latency MS] [--synthetic-deployments]
//
// --port N listens on N instead of a free port: a test that restarts the
// fake keeps the .autofix.yml (its endpoint) of the first one.
// --history: how far back the synthetic services have data (default 30,
// the window; the bench asks for more, as a real project has).
//
// --latency MS: every GraphQL answer is sent MS milliseconds after it is
// ready, a network's round trip (the bench). --synthetic-deployments: each
// synthetic service has one successful deployment, made when its data
// begins (the bench's replaced system reads its HTTP logs).
//
// GET /__stats answers {"requests": n, "connections": c, "operations": [...],
// "busy_ms": t} for the tests (connections: those that carried a GraphQL
// request); busy_ms is the fake's own processing (parsing, validating,
// executing, serialising), the added latency not included;
// POST /__load?FILE serves another scenario and resets the counters.
'use strict';
const fs = require('fs');
const http = require('http');
const graphql = require('graphql');
const { loadSchema, checkBody } = require('./railway-schema');

const opts = { tokenKind: 'project', token: null, fail: null, services: 0, history: 30, latency: 0, syntheticDeployments: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === '--port-file') opts.portFile = v();
  else if (a === '--scenario') opts.scenario = v();
  else if (a === '--services') opts.services = Number(v());
  else if (a === '--now') opts.now = v();
  else if (a === '--token') opts.token = v();
  else if (a === '--token-kind') opts.tokenKind = v();
  else if (a === '--fail') opts.fail = v();
  else if (a === '--port') opts.port = Number(v());
  else if (a === '--history') opts.history = Number(v());
  else if (a === '--log-extra') opts.logExtra = v();
  else if (a === '--latency') opts.latency = Number(v());
  else if (a === '--synthetic-deployments') opts.syntheticDeployments = true;
  else { console.error(`railway.js: unknown argument ${a}`); process.exit(2); }
}
const schema = loadSchema();

const PROJECT_ID = 'p-autofix-test';
const ENV_ID = 'e-production';
const GB = 1e9;

// ------------------------------------------------------------------ the data

// N healthy services whose series are computed for whatever range is asked,
// every minute over the last --history minutes, so that a thousand services
// over days cost the fake no memory. `series` keeps the last 30 minutes for
// anything that reads it.
function synthValue(metric, k, t) {
  const wave = Math.sin((t / 60 + k) / 3);
  switch (metric) {
    case 'memory': return (0.30 + 0.02 * wave) * 1e9;
    case 'memory_limit': return 1e9;
    case 'cpu': return 0.2 + 0.05 * wave;
    case 'cpu_limit': return 2;
    case 'requests': return 100 + Math.round(10 * wave);
    case 'requests_5xx': return 0;
    case 'requests_4xx': return 1;
    case 'latency_p95': return 80 + 5 * wave;
    default: return null;
  }
}

function syntheticObservation(n, nowIso) {
  const end = Math.floor(Date.parse(nowIso) / 1000);
  const start = end - 1800;
  const services = [];
  for (let k = 0; k < n; k++) {
    const series = {};
    for (const m of ['memory', 'memory_limit', 'cpu', 'cpu_limit', 'requests', 'requests_5xx', 'requests_4xx', 'latency_p95']) {
      series[m] = [];
      for (let t = start; t <= end; t += 60) series[m].push([t, synthValue(m, k, t)]);
    }
    services.push({
      name: `svc-${String(k).padStart(3, '0')}`, repo: 'acme/shop', root_dir: `services/svc-${k}`, replicas: 1, series,
      deployments: opts.syntheticDeployments ? [{ id: `d-${k}`, status: 'SUCCESS', at: new Date((end - opts.history * 60) * 1000).toISOString() }] : [],
      synth: { k, end, first: end - opts.history * 60 },
    });
  }
  return {
    source: 'scenario', project: 'shop', environment: 'production',
    start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString(), step_s: 60, services,
  };
}

let obs;
let services;
let byId;
let byVolume;
function load(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  use(doc.observation || doc);
}
function use(o) {
  obs = o;
  services = obs.services.map((s, k) => ({ ...s, id: `s-${k}-${s.name}`, instanceId: `si-${k}`, volumeId: s.volume ? `v-${k}-${s.volume.name}` : null }));
  byId = new Map(services.map((s) => [s.id, s]));
  byVolume = new Map(services.filter((s) => s.volumeId).map((s) => [s.volumeId, s]));
}
if (opts.scenario) load(opts.scenario);
else use(syntheticObservation(opts.services, opts.now || new Date().toISOString()));

// [[epoch s, v|null]...] within [from, to] (ms), nulls dropped: Railway's samples are never null.
// A scenario's `seasonal` series are the same service on earlier days: served to a query for those dates.
function samples(svc, metric, from, to, scale = 1) {
  if (svc.synth) {
    const out = [];
    const last = Math.min(Math.floor(to / 1000), svc.synth.end);
    for (let t = Math.max(Math.ceil(from / 60000) * 60, svc.synth.first); t <= last; t += 60) out.push({ ts: t, value: synthValue(metric, svc.synth.k, t) * scale });
    return out;
  }
  return ((svc.series || {})[metric] || []).concat((svc.seasonal || {})[metric] || [])
    .filter(([t, v]) => v !== null && t * 1000 >= from && t * 1000 <= to)
    .map(([t, v]) => ({ ts: Math.round(t), value: v * scale }));
}

function serviceOf(args) {
  if (args.environmentId !== undefined && args.environmentId !== ENV_ID) throw new Error('Environment not found');
  if (args.volumeId !== undefined && args.volumeId !== null) {
    const owner = byVolume.get(args.volumeId);
    if (!owner || (args.serviceId && args.serviceId !== owner.id)) throw new Error(`Volume ${args.volumeId} not found`);
    return owner;
  }
  const svc = byId.get(args.serviceId);
  if (!svc) throw new Error(`Service ${args.serviceId} not found`);
  return svc;
}

function window(args) {
  const from = Date.parse(args.startDate);
  const to = args.endDate ? Date.parse(args.endDate) : Date.now();
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('Invalid date');
  return [from, to];
}

const measurementSeries = {
  CPU_USAGE: ['cpu', 1], CPU_LIMIT: ['cpu_limit', 1], MEMORY_USAGE_GB: ['memory', 1 / GB], MEMORY_LIMIT_GB: ['memory_limit', 1 / GB],
  DISK_USAGE_GB: ['disk', 1 / GB],
};
// A volume's figures are its own: asked by service, DISK_USAGE_GB is empty; asked by volume, only it is served.
const volumeMeasurements = new Set(['DISK_USAGE_GB']);

function lastValue(svc, metric) {
  const s = ((svc.series || {})[metric] || []).filter(([, v]) => v !== null);
  return s.length ? s[s.length - 1][1] : null;
}

const root = {
  project(args) {
    if (args.id !== PROJECT_ID) throw new Error('Project not found');
    const edge = (node) => ({ cursor: node.id, node });
    const instances = services.map((s) => edge({
      id: s.instanceId, serviceId: s.id, serviceName: s.name, rootDirectory: s.root_dir || null,
      numReplicas: s.replicas || 1, source: { repo: s.repo || null, image: null },
      latestDeployment: (s.deployments || []).length ? deployment(s.deployments[s.deployments.length - 1]) : null,
    }));
    const env = {
      id: ENV_ID, name: obs.environment || 'production',
      serviceInstances: { pageInfo: { hasNextPage: false }, edges: instances },
      volumeInstances: {
        pageInfo: { hasNextPage: false },
        edges: services.filter((s) => s.volumeId).map((s, k) => edge({
          id: `vi-${k}`, serviceId: s.id, mountPath: s.volume.mount_path || '/data',
          sizeMB: Math.round((lastValue(s, 'disk_limit') || 0) / 1e6), currentSizeMB: (lastValue(s, 'disk') || 0) / 1e6,
          volume: { id: s.volumeId, name: s.volume.name },
        })),
      },
    };
    const staging = { id: 'e-staging', name: 'staging', serviceInstances: { pageInfo: { hasNextPage: false }, edges: [] }, volumeInstances: { pageInfo: { hasNextPage: false }, edges: [] } };
    return { id: PROJECT_ID, name: obs.project || 'shop', environments: { pageInfo: { hasNextPage: false }, edges: [edge(staging), edge(env)] } };
  },
  platformStatus() { return { isStable: true, incident: null, maintenance: null }; },
  metrics(args) {
    const svc = serviceOf(args);
    const [from, to] = window(args);
    const ofVolume = args.volumeId !== undefined && args.volumeId !== null;
    return args.measurements.map((m) => {
      const [name, scale] = ofVolume === volumeMeasurements.has(m) ? measurementSeries[m] || [null, 1] : [null, 1];
      return { measurement: m, tags: { serviceId: svc.id, environmentId: ENV_ID }, values: name ? samples(svc, name, from, to, scale) : [] };
    });
  },
  httpMetricsGroupedByStatus(args) {
    const svc = serviceOf(args);
    const [from, to] = window(args);
    // Counts add up into buckets of stepSeconds, as Railway's do (autofix asks earlier days in coarse ones).
    const bucket = (list) => {
      const step = args.stepSeconds || 60, sums = new Map();
      for (const x of list) {
        const ts = Math.floor(x.ts / step) * step;
        sums.set(ts, (sums.get(ts) || 0) + x.value);
      }
      return [...sums].map(([ts, value]) => ({ ts, value }));
    };
    const all = bucket(samples(svc, 'requests', from, to));
    const e5 = new Map(bucket(samples(svc, 'requests_5xx', from, to)).map((s) => [s.ts, s.value]));
    const e4 = new Map(bucket(samples(svc, 'requests_4xx', from, to)).map((s) => [s.ts, s.value]));
    const ok = all.map((s) => ({ ts: s.ts, value: Math.max(0, s.value - (e5.get(s.ts) || 0) - (e4.get(s.ts) || 0)) }));
    const groups = [{ statusCode: 200, samples: ok }];
    if (e5.size) groups.push({ statusCode: 503, samples: [...e5].map(([ts, value]) => ({ ts, value })) });
    if (e4.size) groups.push({ statusCode: 404, samples: [...e4].map(([ts, value]) => ({ ts, value })) });
    return all.length ? groups : [];
  },
  httpDurationMetrics(args) {
    const svc = serviceOf(args);
    const [from, to] = window(args);
    return { samples: samples(svc, 'latency_p95', from, to).map((s) => ({ ts: s.ts, p50: s.value / 2, p90: s.value * 0.9, p95: s.value, p99: s.value * 1.5 })) };
  },
  deployments(args) {
    const svc = byId.get(args.input.serviceId);
    if (!svc) throw new Error('Service not found');
    const list = [...(svc.deployments || [])].reverse().slice(0, args.first || 100);
    return { pageInfo: { hasNextPage: false }, edges: list.map((d) => ({ cursor: d.id, node: deployment(d) })) };
  },
  // Logs are synthesised per deployment: a few lines in the window asked for.
  deploymentLogs(args) { return logLines(args, 'deploy'); },
  buildLogs(args) { return logLines(args, 'build'); },
  httpLogs(args) {
    const d = findDeployment(args.deploymentId);
    const anchor = args.anchorDate ? Date.parse(args.anchorDate) : Date.parse(d.at) + 600000;
    let lines = [200, 502, 503, 200, 500].map((status, k) => ({
      timestamp: new Date(anchor - (k + 1) * 30000).toISOString(), method: 'GET', path: `/api/item/${k}`,
      httpStatus: status, totalDuration: 100 * (k + 1), requestId: `req-${k}`,
    }));
    const m = /^@httpStatus:>=(\d+)$/.exec(args.filter || '');
    if (args.filter && !m) throw new Error(`unsupported filter ${args.filter}`);
    if (m) lines = lines.filter((l) => l.httpStatus >= Number(m[1]));
    if (args.beforeDate) lines = lines.filter((l) => Date.parse(l.timestamp) >= Date.parse(args.beforeDate));
    return lines.slice(0, args.beforeLimit || lines.length);
  },
};

function findDeployment(id) {
  for (const s of services) for (const d of s.deployments || []) if (d.id === id) return d;
  throw new Error(`Deployment ${id} not found`);
}

function logLines(args, kind) {
  const d = findDeployment(args.deploymentId);
  const at = Date.parse(d.at);
  const lines = [
    { timestamp: new Date(at + 1000).toISOString(), severity: 'info', message: `${kind} started for ${d.id}` },
    { timestamp: new Date(at + 2000).toISOString(), severity: 'error', message: `${kind}: connection refused` },
  ];
  // --log-extra TEXT: one more error line, e.g. a secret a service logged;
  // a deployment still running when the window asked for opens logs it there.
  if (opts.logExtra) {
    const from = args.startDate ? Date.parse(args.startDate) : 0;
    lines.push({ timestamp: new Date(Math.max(at, from) + 3000).toISOString(), severity: 'error', message: opts.logExtra });
  }
  return lines.filter((l) => (!args.startDate || Date.parse(l.timestamp) >= Date.parse(args.startDate))
    && (!args.endDate || Date.parse(l.timestamp) <= Date.parse(args.endDate))).slice(0, args.limit || 100);
}

function deployment(d) {
  return { id: d.id, status: d.status || 'SUCCESS', createdAt: d.at, meta: { commitHash: d.commit || null, commitMessage: d.message || null } };
}

// ------------------------------------------------------------------ the server

const stats = { requests: 0, connections: 0, operations: [], windows: [], busy_ms: 0 };

// Sends obj; for a GraphQL answer (t0: when its body was in) the time since t0 counts as the
// fake's processing and the answer waits --latency ms.
function send(res, status, obj, t0) {
  const body = JSON.stringify(obj);
  const write = () => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (t0 === undefined) return write();
  stats.busy_ms += Number(process.hrtime.bigint() - t0) / 1e6;
  if (opts.latency > 0) setTimeout(write, opts.latency);
  else write();
}

function authorised(req) {
  if (!opts.token) return true;
  if (opts.tokenKind === 'project') return req.headers['project-access-token'] === opts.token && !req.headers.authorization;
  return req.headers.authorization === `Bearer ${opts.token}` && !req.headers['project-access-token'];
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') return send(res, 200, stats);
  if (req.method === 'POST' && req.url.startsWith('/__load?')) {
    // Test control: serve another scenario file and reset the counters.
    try {
      load(decodeURIComponent(req.url.slice('/__load?'.length)));
    } catch (e) {
      return send(res, 400, { error: e.message });
    }
    stats.requests = 0;
    stats.connections = 0;
    stats.operations = [];
    stats.windows = [];
    stats.busy_ms = 0;
    return send(res, 200, { loaded: obs.services.length });
  }
  if (req.method !== 'POST' || req.url !== '/graphql/v2') return send(res, 404, { errors: [{ message: 'Not Found' }] });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  // Connections that carried a document: a client that keeps its connections opens fewer.
  if (!req.socket.carriedDocument) {
    req.socket.carriedDocument = true;
    stats.connections++;
  }
  req.on('end', async () => {
    const t0 = process.hrtime.bigint();
    stats.requests++;
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      return send(res, 400, { errors: [{ message: `Invalid JSON body: ${e.message}` }] }, t0);
    }
    const { document, errors } = checkBody(schema, body);
    const op = document ? graphql.getOperationAST(document) : null;
    stats.operations.push(op && op.name ? op.name.value : '(invalid)');
    if (errors.length) {
      console.error(`railway.js: rejected document: ${errors.join('; ')}`);
      return send(res, 200, { errors: errors.map((message) => ({ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) }, t0);
    }
    if (!authorised(req)) return send(res, 200, { data: null, errors: [{ message: 'Not Authorized' }] }, t0);
    const fields = op.selectionSet.selections.map((s) => s.name.value);
    const vars = body.variables || {};
    if (vars.startDate) stats.windows.push({ operation: op.name ? op.name.value : null, startDate: vars.startDate, endDate: vars.endDate });
    if (opts.fail && fields.includes(opts.fail)) {
      // Railway's partial failure: data for what worked, errors for what did not.
      return send(res, 200, { data: null, errors: [{ message: 'Problem processing request', path: [opts.fail], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }, t0);
    }
    const result = await graphql.execute({ schema, document, rootValue: root, variableValues: body.variables || {} });
    send(res, 200, result, t0);
  });
});

server.listen(opts.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  if (opts.portFile) fs.writeFileSync(opts.portFile, String(port));
  else console.log(port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
