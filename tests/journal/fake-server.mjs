// The journal tests' stand-in for GitHub and a metrics source. GitHub is
// tests/github/fake-github.mjs itself, so every call the workflow makes is
// held to GitHub's OpenAPI description (operation, query parameters,
// request body, token, headers, and the fake's own answers); around it,
// this server keeps what the crash tests need: issue 1 to work on, a count
// of every call, a snapshot of the state, and a metrics source under
// /source/ (not GitHub's).
//
//   node fake-server.mjs PORTFILE    listens on 127.0.0.1:0, writes the port
//   GET  /__stats                    {counts: {"METHOD /path": n}, state: {comments, refs, labels}}
//   GET  /__violations               what the fake GitHub found against the description
//   POST /__reset                    forgets counts and state (not violations)
//   POST /__comment                  {login, body}: a comment by someone else on issue 1
//
// Environment: FAKE_GITHUB_TOKEN, the token the workflow authenticates with.
import http from "node:http";
import fs from "node:fs";
import { handle, state, resetState, violations } from "../github/fake-github.mjs";

// The issue every run works on.
function reset() {
  resetState();
  state.issues.push({ number: 1, title: "api leaks memory", body: "Found by a scan.", state: "open", labels: [] });
  state.nextNumber = 2;
  counts = {};
}
let counts;
reset();
const initialRefs = new Set(state.refs.keys());

const metrics = {
  api: { service: "api", memory: [0.61, 0.64, 0.7, 0.76], limit_gb: 1 },
  worker: { service: "worker", memory: [0.3, 0.31, 0.3, 0.3], limit_gb: 2 },
};

// What the tests compare between runs: issue 1's comments and labels, the refs runs created.
function snapshot() {
  return {
    comments: state.comments
      .filter((m) => m.issue === 1)
      .map((m) => ({ id: m.id, user: { login: m.login, type: m.type }, body: m.body })),
    refs: Object.fromEntries([...state.refs].filter(([r]) => !initialRefs.has(r)).map(([r, sha]) => [`refs/${r}`, sha])),
    labels: [...state.issues.find((i) => i.number === 1).labels],
  };
}

function send(res, status, body) {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => resolve(body));
  });
}

const server = http.createServer(async (req, res) => {
  const path = req.url.split("?")[0];
  if (path === "/__stats") return send(res, 200, { counts, state: snapshot() });
  if (path === "/__violations") return send(res, 200, violations);
  if (path === "/__reset" && req.method === "POST") {
    await readBody(req);
    reset();
    return send(res, 204);
  }
  if (path === "/__comment" && req.method === "POST") {
    const b = JSON.parse(await readBody(req));
    const m = { id: state.nextComment++, issue: 1, body: b.body, login: b.login, type: "User" };
    state.comments.push(m);
    return send(res, 201, m);
  }
  const key = `${req.method} ${path}`;
  counts[key] = (counts[key] || 0) + 1;
  const m = path.match(/^\/source\/metrics\/([a-z]+)$/);
  if (m) {
    await readBody(req);
    return metrics[m[1]] ? send(res, 200, metrics[m[1]]) : send(res, 404, { message: "no such service" });
  }
  return handle(req, res);
});

server.listen(0, "127.0.0.1", () => {
  fs.writeFileSync(process.argv[2], String(server.address().port));
});
