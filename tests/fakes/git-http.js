#!/usr/bin/env node
// A git smart-HTTP server for tests: the real `git http-backend` run as a
// CGI program behind node's http module, on a free loopback port.
//
//   node git-http.js PORT_FILE PROJECT_ROOT TOKEN_FILE LOG_FILE [KEY CERT]
//
// With KEY and CERT (PEM files) it serves HTTPS.
// Every request must carry HTTP Basic auth with user x-access-token and
// the token (read from TOKEN_FILE, so it is on no command line) as its
// password; otherwise 401 with a WWW-Authenticate challenge, as GitHub
// does. Each request is logged as "METHOD PATH auth=ok|none|bad" (never
// the credentials). Pushes are served because REMOTE_USER is set.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const { spawn } = require('child_process');

const [portFile, root, tokenFile, logFile, keyFile, certFile] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();
const backend = process.env.GIT_HTTP_BACKEND || '/usr/lib/git-core/git-http-backend';

function authState(header) {
  if (!header) return 'none';
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return 'bad';
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && decoded.slice(0, colon) === 'x-access-token' && decoded.slice(colon + 1) === token
    ? 'ok' : 'bad';
}

function serve(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const auth = authState(req.headers.authorization);
  fs.appendFileSync(logFile, `${req.method} ${url.pathname}${url.search} auth=${auth}\n`);
  if (auth !== 'ok') {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"', 'Content-Type': 'text/plain' });
    res.end('Invalid username or token.\n');
    return;
  }
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: 'x-access-token',
    REMOTE_ADDR: '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] || '',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = req.headers['git-protocol'];
  const cgi = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let head = Buffer.alloc(0), headersDone = false;
  cgi.stderr.on('data', (d) => process.stderr.write(d));
  cgi.stdout.on('data', (chunk) => {
    if (headersDone) { res.write(chunk); return; }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n'), sep = 4;
    if (end < 0) { end = head.indexOf('\n\n'); sep = 2; }
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers = {};
    for (const line of head.slice(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim(), v = line.slice(i + 1).trim();
      if (/^status$/i.test(k)) status = parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.write(head.slice(end + sep));
  });
  cgi.on('close', () => { if (!headersDone) res.writeHead(502); res.end(); });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => {});
}

const server = keyFile
  ? https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, serve)
  : http.createServer(serve);
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
