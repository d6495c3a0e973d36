// A loopback fake for the journal's crash tests: a little of GitHub's REST
// API (an issue, its comments and labels, git refs) plus a metrics source
// under /source/. It counts every call, keeps state like GitHub does
// (creating a ref that exists is a 422, adding a label twice is a no-op),
// and rejects any GitHub request whose method and path are not in GitHub's
// OpenAPI description (@octokit/openapi) or whose JSON body lacks a field
// the description requires.
//
//   node fake-server.js PORTFILE     listens on 127.0.0.1:0, writes the port
//   GET  /__stats                    {counts: {"METHOD /path": n}, state: {...}}
//   POST /__reset                    forgets counts and state
//   POST /__comment                  {login, body}: a comment by someone else on issue 1
//
// Comments made through the API are written by BOT_LOGIN, the identity the
// helper authenticates as (GitHub sets `user` from the token).
'use strict';
const http = require('http');
const fs = require('fs');
const { route } = require('../lib/github-routes');

const BOT_LOGIN = 'autofix-test[bot]';
let counts, state;
function reset() {
  counts = {};
  state = { comments: [], refs: {}, labels: [], nextCommentId: 1000 };
}
reset();

const issue = { number: 1, title: 'api leaks memory', state: 'open', body: 'Found by a scan.' };
const metrics = {
  api: { service: 'api', memory: [0.61, 0.64, 0.7, 0.76], limit_gb: 1 },
  worker: { service: 'worker', memory: [0.3, 0.31, 0.3, 0.3], limit_gb: 2 },
};

function send(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handleGitHub(req, res, path, body) {
  const found = route(req.method, path);
  if (!found) return send(res, 404, { message: `fake: ${req.method} ${path} is not in GitHub's API description` });
  const rb = found.op.requestBody && found.op.requestBody.content &&
    found.op.requestBody.content['application/json'];
  if (rb && rb.schema && Array.isArray(rb.schema.required)) {
    let parsed;
    try { parsed = JSON.parse(body || 'null'); } catch (e) { return send(res, 400, { message: 'Problems parsing JSON' }); }
    for (const f of rb.schema.required) {
      if (!parsed || !(f in parsed)) return send(res, 422, { message: `missing required field '${f}'` });
    }
  }
  const key = `${req.method} ${found.template}`;
  switch (key) {
    case 'GET /repos/{owner}/{repo}/issues/{issue_number}':
      return send(res, 200, issue);
    case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments':
      return send(res, 200, state.comments);
    case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
      const c = { id: state.nextCommentId++, user: { login: BOT_LOGIN, type: 'Bot' }, body: JSON.parse(body).body };
      state.comments.push(c);
      return send(res, 201, c);
    }
    case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
      for (const l of JSON.parse(body).labels) if (!state.labels.includes(l)) state.labels.push(l);
      return send(res, 200, state.labels.map((name) => ({ name })));
    }
    case 'GET /repos/{owner}/{repo}/git/ref/{ref}': {
      const ref = 'refs/' + path.replace(/^\/repos\/[^/]+\/[^/]+\/git\/ref\//, '');
      if (!state.refs[ref]) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { ref, object: { sha: state.refs[ref], type: 'commit' } });
    }
    case 'POST /repos/{owner}/{repo}/git/refs': {
      const b = JSON.parse(body);
      if (state.refs[b.ref]) return send(res, 422, { message: 'Reference already exists' });
      state.refs[b.ref] = b.sha;
      return send(res, 201, { ref: b.ref, object: { sha: b.sha, type: 'commit' } });
    }
    default:
      return send(res, 501, { message: `fake: ${key} is real but not played here` });
  }
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const path = req.url.split('?')[0];
    if (path === '/__stats') return send(res, 200, { counts, state });
    if (path === '/__reset' && req.method === 'POST') { reset(); return send(res, 204); }
    if (path === '/__comment' && req.method === 'POST') {
      const b = JSON.parse(body);
      const c = { id: state.nextCommentId++, user: { login: b.login, type: 'User' }, body: b.body };
      state.comments.push(c);
      return send(res, 201, c);
    }
    const key = `${req.method} ${path}`;
    counts[key] = (counts[key] || 0) + 1;
    const m = path.match(/^\/source\/metrics\/([a-z]+)$/);
    if (m) return metrics[m[1]] ? send(res, 200, metrics[m[1]]) : send(res, 404, { message: 'no such service' });
    return handleGitHub(req, res, path, body);
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.argv[2], String(server.address().port));
});
