// A fault-injecting HTTP proxy for the whole-scan fault tests
// (tests/faults/): it forwards each request to TARGET, except that, with
// probability RATE, chosen by a PRNG seeded with SEED, it injects one fault:
//
//   5xx            500, 502 or 503, the request not forwarded
//   429            429 with Retry-After: 1, not forwarded
//   reset          the connection reset, the request not forwarded
//   lost           the request forwarded (the server did it), then the
//                  connection reset: the client does not know it was done
//   lost-5xx       the request forwarded, then a 502 instead of its answer
//   truncated      the answer's headers and half of its body, then a reset
//   stall          nothing, until the client gives up (its timeout)
//
// Usage: node faults.js PORT_FILE TARGET SEED RATE LOG [KINDS]
//   KINDS: the faults to draw from, comma-separated (default: all)
//   GET /_faults/stats      {requests, faults: {kind: count}} (never faulted)
//   POST /_faults/set       {seed, rate}: a new seed and rate from now on;
//                           {next, kind, match}: instead, the next `next` requests whose
//                           URL holds `match` (default: any) get fault `kind`, the rest none
// Each fault is logged to LOG, one line: kind method url.
// Only 127.0.0.1.
"use strict";
const http = require("http");
const fs = require("fs");
const { mulberry32 } = require("../lib/prng");

const [portFile, target, seedArg, rateArg, logFile, kindsArg] = process.argv.slice(2);
if (!portFile || !target || !logFile) {
	process.stderr.write("usage: faults.js PORT_FILE TARGET SEED RATE LOG\n");
	process.exit(2);
}
const up = new URL(target);
if (up.hostname !== "127.0.0.1") {
	process.stderr.write(`faults.js: the target must be on 127.0.0.1, not ${up.hostname}\n`);
	process.exit(2);
}

// Seeded: the same faults for the same seed.
let random = null, rate = 0, next = null;
function reseed(seed, r) {
	random = mulberry32((Number(seed) >>> 0) ^ 0x6d2b79f5);
	rate = Number(r);
	next = null;
}
reseed(seedArg || 1, rateArg || 0);

const ALL = ["5xx", "429", "reset", "lost", "lost-5xx", "truncated", "stall"];
const KINDS = kindsArg ? kindsArg.split(",") : ALL;
for (const k of KINDS) if (!ALL.includes(k)) {
	process.stderr.write(`faults.js: no fault '${k}' (${ALL.join(", ")})\n`);
	process.exit(2);
}
const stats = { requests: 0, faults: {} };
const sockets = new Set();

function forward(req, body, done) {
	const headers = { ...req.headers }; // its Host kept: the links the server makes point here
	const r = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (res) => {
		const chunks = [];
		res.on("data", (c) => chunks.push(c));
		res.on("end", () => done(null, res, Buffer.concat(chunks)));
		res.on("error", (e) => done(e));
	});
	r.setTimeout(60000, () => r.destroy(new Error("upstream timeout")));
	r.on("error", (e) => done(e));
	r.end(body);
}

function answer(res, up_res, body) {
	const h = { ...up_res.headers };
	delete h["transfer-encoding"];
	h["content-length"] = String(body.length);
	res.writeHead(up_res.statusCode, h);
	res.end(body);
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const body = Buffer.concat(chunks);
		if (req.url === "/_faults/stats") {
			res.writeHead(200, { "content-type": "application/json" });
			return res.end(JSON.stringify(stats));
		}
		if (req.url === "/_faults/set" && req.method === "POST") {
			const o = JSON.parse(body.toString() || "{}");
			reseed(o.seed, o.rate);
			if (o.next !== undefined) {
				if (!ALL.includes(o.kind)) {
					res.writeHead(400, { "content-type": "text/plain" });
					return res.end(`no fault '${o.kind}' (${ALL.join(", ")})\n`);
				}
				next = { left: Number(o.next), kind: o.kind, match: o.match || "" };
			}
			res.writeHead(204);
			return res.end();
		}
		stats.requests++;
		let kind = null;
		if (next) {
			if (next.left > 0 && req.url.includes(next.match)) {
				next.left--;
				kind = next.kind;
			}
		} else if (random() < rate) {
			kind = KINDS[Math.floor(random() * KINDS.length)];
		}
		if (kind) {
			stats.faults[kind] = (stats.faults[kind] || 0) + 1;
			fs.appendFileSync(logFile, `${kind} ${req.method} ${req.url}\n`);
		}
		const fail = (e) => {
			res.writeHead(502, { "content-type": "text/plain" });
			res.end(`faults.js: ${e.message}\n`);
		};
		switch (kind) {
		case "5xx":
			res.writeHead([500, 502, 503][Math.floor(random() * 3)], { "content-type": "text/plain" });
			return res.end("injected\n");
		case "429":
			res.writeHead(429, { "content-type": "text/plain", "retry-after": "1" });
			return res.end("slow down\n");
		case "reset":
			return req.socket.destroy();
		case "stall":
			return; // the client's timeout ends it
		case "lost":
		case "lost-5xx":
			return forward(req, body, (e) => {
				if (kind === "lost" || e) return req.socket.destroy();
				res.writeHead(502, { "content-type": "text/plain" });
				res.end("injected after the fact\n");
			});
		case "truncated":
			return forward(req, body, (e, ur, b) => {
				if (e) return fail(e);
				const h = { ...ur.headers };
				delete h["transfer-encoding"];
				h["content-length"] = String(b.length + 1);
				res.writeHead(ur.statusCode, h);
				res.write(b.subarray(0, Math.floor(b.length / 2)));
				setTimeout(() => req.socket.destroy(), 20);
			});
		default:
			return forward(req, body, (e, ur, b) => (e ? fail(e) : answer(res, ur, b)));
		}
	});
});
server.on("connection", (s) => {
	sockets.add(s);
	s.on("close", () => sockets.delete(s));
});
server.listen(0, "127.0.0.1", () => fs.writeFileSync(portFile, String(server.address().port)));
process.on("SIGTERM", () => {
	for (const s of sockets) s.destroy();
	process.exit(0);
});
