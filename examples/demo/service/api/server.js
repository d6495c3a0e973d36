// The items API: GET /items/ID answers the item as JSON.
'use strict';
const http = require('http');
const cache = require('./cache');

// Stands for the database: slow enough to be worth remembering.
function loadItem(id) {
  return { id, name: `item ${id}`, price: (id.length * 7) % 100, loaded: new Date().toISOString() };
}

const server = http.createServer((req, res) => {
  const m = /^\/items\/([^/?]+)/.exec(req.url);
  if (!m) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
    return;
  }
  const item = cache.remember(decodeURIComponent(m[1]), loadItem);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(item));
});

if (require.main === module) server.listen(Number(process.env.PORT) || 3000);
module.exports = server;
