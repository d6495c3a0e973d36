// A fake Statuspage host on 127.0.0.1: GET /<page>/api/v2/summary.json
// answers from tests/investigate/statuspage/<page>.json in the real v2
// shape, and a few misbehaving pages:
//   /stall/...    never answers (a page that hangs past the client's timeout)
//   /garbage/...  200 with a body that is not JSON
//   /gone/...     404
//   /html/...     200 with an HTML maintenance page
// Writes its port to argv[2]; every request is appended to argv[3] (if given).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const [portFile, logFile] = process.argv.slice(2);
const dir = path.join(__dirname, '..', 'investigate', 'statuspage');

const server = http.createServer((req, res) => {
  if (logFile) fs.appendFileSync(logFile, `${req.method} ${req.url}\n`);
  const m = /^\/([a-z-]+)\/api\/v2\/summary\.json$/.exec(req.url);
  if (!m || req.method !== 'GET') { res.writeHead(404); res.end('not found'); return; }
  const page = m[1];
  if (page === 'stall') return; // never answered
  if (page === 'garbage') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status": {"indic'); return; }
  if (page === 'html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html><body>Down for maintenance</body></html>'); return; }
  const file = path.join(dir, `${page}.json`);
  if (!fs.existsSync(file)) { res.writeHead(404); res.end('{"error":"not found"}'); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(fs.readFileSync(file));
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
