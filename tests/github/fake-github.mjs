// A fake GitHub REST API held to GitHub's own OpenAPI description
// (@octokit/openapi, generated/api.github.com.json):
//  - a request whose method and path are not in the description is a
//    violation (answered 404, as GitHub would);
//  - query parameters must be declared by the operation and valid;
//  - a JSON body must validate against the operation's request schema
//    (ajv), a body where the operation takes none is a violation;
//  - every answer the fake gives is validated against the operation's
//    response schema for that status, so the fake cannot drift either;
//  - /app/* requests need an App JWT that jose verifies with the App's
//    public key; every other request needs a token the fake issued (or
//    FAKE_GITHUB_TOKEN).
// State is small and in memory: labels, issues, pulls, comments, refs,
// files. Control endpoints under /_fake/ are not part of the API:
//   POST /_fake/issue {title, body, login}: an issue someone else opened;
//   POST /_fake/pull/N {state, merged, closed_at, created_at, merge_commit_sha}:
//     a person closes or merges PR N (times as ISO 8601; the merge commit
//     is the test's to make in the repository);
//   POST /_fake/fail {operation, page, status, count}: the next count
//     answers to operation (an operationId) for page (1 by default) fail
//     with status (count 0 clears them);
//   POST /_fake/review-comments/ID [{path, line, body, login}]: review ID's
//     comments;
//   POST /_fake/delay {operation, ms}: answers to operation are sent ms
//     late (the operation itself is done at once, as on GitHub, even when
//     the client has gone);
//   POST /_fake/pull-request {title, body, head, base, login, state}: a
//     pull request made outside the API (someone else's, or autofix's
//     from an earlier run); its branch gets a ref when it has none;
//   POST /_fake/comment {issue, body, login, type, created_at}: a comment
//     someone wrote (type "Bot" for an App's bot user);
//   POST /_fake/permission {user, role_name, permission}: that user's
//     role on the repository (permission defaults from the role, as
//     GitHub maps it: maintain is write, triage is read);
//   GET /_fake/state: issues, pulls, comments, labels, reactions and the
//     branches (refs under heads/), for assertions;
//   POST /_fake/installations [{id, account, repositories: [{name,
//     default_branch, archived, files: {PATH: TEXT}}]}]: the App's
//     installations and their repositories (by default one, 4242 on
//     octo-org, holding hello-world, whose files are the shared ones);
//     a repository listed with `files` has its own on its default branch.
// A comment, issue or PR made through the API is written by BOT_LOGIN,
// the identity GitHub would take from the token.
//
// Environment: FAKE_GITHUB_APP_ID, FAKE_GITHUB_APP_PUBLIC_KEY (PEM file),
// FAKE_GITHUB_TOKEN; FAKE_GITHUB_ACTIONS_TOKEN (a token that, like Actions'
// GITHUB_TOKEN, may not read GET /user); FAKE_GITHUB_CLONE_URL (repos/get's clone_url);
// FAKE_GITHUB_GIT_DIR, a bare git repository whose branches are the
// refs (read at request time: a branch pushed over git http-backend is
// one pulls/create accepts). Run as a program, it prints "port N" once listening
// and exits when stdin closes (with --port-file FILE: writes N to FILE and runs
// until stopped). Imported (tests/journal/fake-server.mjs), it exports the
// request handler, its state, resetState() and violations, for a server that
// adds fixtures of its own.
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { randomBytes, webcrypto } from "node:crypto";
import { execFileSync } from "node:child_process";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { importSPKI, jwtVerify } from "jose";

// jose 6 calls the global Web Crypto API, which Debian 12's Node.js 18 does
// not define by default (it does from Node.js 19 on).
globalThis.crypto ??= webcrypto;

const require = createRequire(import.meta.url);
const { spec, resolve, route } = require("../lib/github-routes.js");

// ---------------------------------------------------------------- validation

// OpenAPI 3.0's `nullable` is not JSON Schema: turn it into a "null" type.
function denull(node) {
  if (Array.isArray(node)) return node.map(denull);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "example" || k === "examples" ? v : denull(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: "null" }] };
  }
  delete out.nullable;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
addFormats(ajv);
ajv.addSchema({ $id: "gh", components: { schemas: denull(spec.components.schemas) } });
const compiled = new Map();

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node))
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? "gh" + v : rewriteRefs(v);
    return out;
  }
  return node;
}

function validator(key, schema) {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(denull(schema))));
  return compiled.get(key);
}

export const violations = [];
const seen = {};
let tokensIssued = 0;
let tokenTtl = 3600;

// Recorded, and reported by /_fake/report (the test prints them as diagnostics).
function violation(msg) {
  violations.push(msg);
  if (process.env.FAKE_GITHUB_VERBOSE) process.stderr.write(`fake-github: ${msg}\n`);
}

function checkQuery(op, url, where) {
  const declared = (op.parameters || []).map(resolve).filter((p) => p.in === "query");
  for (const [key, value] of url.searchParams) {
    const p = declared.find((d) => d.name === key);
    if (!p) {
      violation(`${where}: query parameter '${key}' is not in the description`);
      continue;
    }
    let v = value;
    if (p.schema && p.schema.type === "integer") v = Number(value);
    if (p.schema && p.schema.type === "boolean") v = value === "true";
    const validate = validator(`${where} query ${key}`, p.schema || {});
    if (!validate(v)) violation(`${where}: query ${key}=${value}: ${ajv.errorsText(validate.errors)}`);
  }
}

function checkBody(op, body, where) {
  const rb = resolve(op.requestBody);
  const schema = rb && rb.content && rb.content["application/json"] && rb.content["application/json"].schema;
  if (!schema) {
    if (body.length) violation(`${where}: sends a body but the operation takes none`);
    return null;
  }
  if (!body.length) {
    if (rb.required) {
      violation(`${where}: the request body is required`);
      return undefined;
    }
    return null;
  }
  let json;
  try {
    json = JSON.parse(body);
  } catch (e) {
    violation(`${where}: the body is not JSON: ${e.message}`);
    return undefined;
  }
  const validate = validator(`${where} body`, schema);
  if (!validate(json)) {
    violation(`${where}: body ${body} does not validate: ${ajv.errorsText(validate.errors)}`);
    return undefined;
  }
  return json;
}

function checkResponse(op, status, json, where) {
  const r = resolve(op.responses[String(status)]);
  if (!r) {
    violation(`${where}: the fake answered ${status}, which the description does not list`);
    return;
  }
  const schema = r.content && r.content["application/json"] && r.content["application/json"].schema;
  if (!schema) return;
  const validate = validator(`${where} response ${status}`, schema);
  if (!validate(json))
    violation(`${where}: the fake's own ${status} answer does not validate: ${ajv.errorsText(validate.errors)}`);
}

// The first documented example of an operation's response, deep-copied.
function example(op, status) {
  const r = resolve(op.responses[String(status)]);
  const ex = r.content["application/json"].examples;
  let first = resolve(Object.values(ex)[0]);
  // Some examples' values point at a shared example (issues/get's: {"$ref": "#/components/examples/issue"}).
  while (first.value && first.value.$ref) first = resolve(first.value);
  return structuredClone(first.value);
}

// ---------------------------------------------------------------- state

export const BOT_LOGIN = "autofix-test[bot]";
// The bot user's id (users/get-by-username), for its noreply address.
export const BOT_ID = 41000042;

// ---------------------------------------------------------------- refs

// With FAKE_GITHUB_GIT_DIR the refs are a real bare repository's, read at
// request time; otherwise state.refs. ref is "heads/x" or "tags/x".
const gitDir = process.env.FAKE_GITHUB_GIT_DIR;
function git(args) {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", timeout: 10000, stdio: ["ignore", "pipe", "ignore"] }).trim();
}
function refGet(ref) {
  if (!gitDir) return state.refs.get(ref);
  try {
    return git(["rev-parse", "--verify", "-q", `refs/${ref}^{commit}`]) || undefined;
  } catch (e) {
    return undefined;
  }
}
function refSet(ref, sha) {
  if (!gitDir) return state.refs.set(ref, sha);
  git(["update-ref", `refs/${ref}`, sha]);
}
function refDelete(ref) {
  if (!gitDir) return state.refs.delete(ref);
  if (refGet(ref) === undefined) return false;
  git(["update-ref", "-d", `refs/${ref}`]);
  return true;
}

function initialState() {
  return {
    labels: new Map([["bug", { name: "bug", color: "d73a4a", description: "Something isn't working" }]]),
    issues: [],
    comments: [],
    refs: new Map([["heads/main", "aa218f56b14c9653891f9e74264a383fa43fefbd"]]),
    files: new Map([
      ["main:.autofix.yml", "version: 1\nwindow: 30m\n"],
      ["autofix/test:.autofix.yml", "version: 1\nwindow: 10m\n"],
    ]),
    permissions: new Map([["alice", "admin"], ["bob", "write"], ["carol", "read"]]),
    reviewComments: new Map(),
    installations: [{ id: 4242, account: "octo-org", repositories: [{ name: "hello-world", default_branch: "main" }] }],
    nextNumber: 1,
    nextComment: 1000,
    // Roles' permissions set apart from GitHub's mapping (a custom role), and reactions made.
    permissionOf: new Map(),
    reactions: [],
  };
}

export const state = initialState();

// Back to the state the fake starts in (the same state object, with fresh contents).
export function resetState() {
  Object.assign(state, initialState());
}

const owner = { login: "octo-org" };

function issueJson(op, status, issue, inList) {
  const j = inList ? example(op, status)[0] : example(op, status);
  Object.assign(j, {
    id: issue.number * 10, number: issue.number, title: issue.title, body: issue.body ?? null,
    state: issue.state,
  });
  const template = example(spec.paths["/repos/{owner}/{repo}/labels/{name}"].get, 200);
  j.labels = issue.labels.map((name, i) => ({ ...template, id: i + 1, name, color: "ededed", default: false }));
  if (!issue.pull) delete j.pull_request;
  if (issue.login && j.user) Object.assign(j.user, { login: issue.login, type: issue.type || "User" });
  if (issue.assignees && j.user) {
    j.assignees = issue.assignees.map((login, i) => ({ ...j.user, login, id: 300 + i, type: "User" }));
    j.assignee = j.assignees[0] || null;
  }
  return j;
}

function userJson(template, login, id, type) {
  return { ...template, login, id, type, url: `https://api.github.com/users/${encodeURIComponent(login)}` };
}

function pullJson(op, status, pr) {
  const j = example(op, status);
  Object.assign(j, {
    id: pr.number * 10, number: pr.number, title: pr.title, body: pr.body ?? null, state: pr.state,
    draft: !!pr.draft, created_at: pr.created_at, updated_at: pr.updated_at || pr.created_at,
    closed_at: pr.closed_at || null, merged_at: pr.merged_at || null,
    html_url: `https://github.com/${owner.login}/hello-world/pull/${pr.number}`,
  });
  if ("merged" in j) j.merged = !!pr.merged_at;
  if (pr.merge_commit_sha) j.merge_commit_sha = pr.merge_commit_sha;
  j.user = userJson(j.user, pr.login || BOT_LOGIN, pr.login && pr.login !== BOT_LOGIN ? 7 : BOT_ID, pr.login && pr.login !== BOT_LOGIN ? "User" : "Bot");
  j.requested_reviewers = (pr.reviewers || []).map((l, i) => userJson(j.user, l, 100 + i, "User"));
  // GitHub's own example lists a team without the fields its schema requires.
  const team = { ...(example(op, status).requested_teams || [{}])[0], parent: null, type: "organization" };
  j.requested_teams = (pr.teams || []).map((slug, i) => ({ ...team, id: 200 + i, slug, name: slug }));
  j.assignees = (pr.assignees || []).map((l, i) => userJson(j.user, l, 300 + i, "User"));
  j.assignee = j.assignees[0] || null;
  j.labels = (pr.labels || []).map((name, i) => ({ id: i + 1, node_id: "x", url: "x", name, color: (state.labels.get(name) || {}).color || "ededed", default: false, description: (state.labels.get(name) || {}).description || "" }));
  j.head.ref = pr.head;
  j.head.label = `${owner.login}:${pr.head}`;
  // An open PR's head is its branch's head now; a closed one keeps the last.
  if (pr.state === "open") pr.headSha = refGet(`heads/${pr.head}`) || pr.headSha;
  j.head.sha = pr.headSha;
  j.base.ref = pr.base;
  return j;
}

// ---------------------------------------------------------------- handlers

// Each handler gets { params, query, body, url } and returns [status, json, headers?].
const handlers = {
  // 404 when no installation is on the repository's owner, as GitHub answers
  // for a repository without the App (or once the App is uninstalled);
  // the owner's installation is enough here (the repositories are not checked).
  "apps/get-repo-installation": (c) => {
    const inst = state.installations.find((i) => i.account === c.params.owner);
    if (!inst) return [404, { message: "Not Found", documentation_url: "x" }];
    const j = example(c.op, 200);
    j.id = inst.id;
    return [200, j];
  },
  "apps/create-installation-access-token": (c) => {
    if (!state.installations.some((i) => String(i.id) === c.params.installation_id))
      return [404, { message: "Not Found", documentation_url: "x" }];
    tokensIssued++;
    // GitHub's newer installation tokens carry the App id and a JWT:
    // hundreds of characters, so a client with a fixed-size buffer breaks.
    const token = `ghs_${appId}_${randomBytes(600).toString("base64url")}`;
    issuedTokens.add(token);
    tokenInstallation.set(token, Number(c.params.installation_id));
    const j = example(c.op, 201);
    j.token = token;
    j.expires_at = new Date(Date.now() + tokenTtl * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    j.permissions = c.body.permissions || j.permissions;
    j.repository_selection = "selected";
    if (c.body.repositories) j.repositories = c.body.repositories.map((name) => ({ ...j.repositories[0], name }));
    lastTokenRequest = c.body;
    return [201, j];
  },
  "repos/get-content": (c) => {
    const own = installedRepository(c.params.owner, c.params.repo);
    const ref = c.query.get("ref") || (own ? own.default_branch : "main");
    const text = own && own.files
      ? (ref === own.default_branch ? own.files[c.params.path] : undefined)
      : state.files.get(`${ref}:${c.params.path}`);
    if (text === undefined) return [404, { message: "Not Found", documentation_url: "x" }];
    if (!/raw/.test(c.headers.accept || "")) return [415, { message: "the fake serves raw only" }];
    return [200, text, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
  },
  "pulls/list": (c) => {
    const head = c.query.get("head");
    const st = c.query.get("state") || "open";
    const list = state.issues.filter(
      (i) => i.pull && (st === "all" || i.state === st) && (!head || `${owner.login}:${i.head}` === head),
    );
    return [200, list.map((pr) => pullJson(spec.paths["/repos/{owner}/{repo}/pulls/{pull_number}"].get, 200, pr))];
  },
  "pulls/get": (c) => {
    const pr = state.issues.find((i) => i.pull && i.number === Number(c.params.pull_number));
    return pr ? [200, pullJson(c.op, 200, pr)] : [404, { message: "Not Found", documentation_url: "x" }];
  },
  "pulls/create": (c) => {
    const sha = refGet(`heads/${c.body.head}`);
    if (sha === undefined)
      return [422, { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }], documentation_url: "x" }];
    if (state.issues.some((i) => i.pull && i.state === "open" && i.head === c.body.head && i.base === c.body.base))
      return [422, { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner.login}:${c.body.head}.` }], documentation_url: "x" }];
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const pr = { number: state.nextNumber++, pull: true, title: c.body.title, body: c.body.body, head: c.body.head, base: c.body.base, draft: !!c.body.draft, state: "open", labels: [], login: BOT_LOGIN, type: "Bot", created_at: now, headSha: sha, baseSha: refGet(`heads/${c.body.base}`) };
    state.issues.push(pr);
    return [201, pullJson(c.op, 201, pr)];
  },
  "pulls/update": (c) => {
    const pr = state.issues.find((i) => i.pull && i.number === Number(c.params.pull_number));
    if (!pr) return [404, { message: "Not Found", documentation_url: "x" }];
    for (const k of ["title", "body", "state"]) if (k in c.body) pr[k] = c.body[k];
    // GitHub stamps a closing, and forgets it when the PR is reopened.
    if (c.body.state === "closed" && !pr.closed_at) pr.closed_at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    if (c.body.state === "open") pr.closed_at = null;
    return [200, pullJson(c.op, 200, pr)];
  },
  "pulls/list-files": (c) => {
    const ex = example(c.op, 200)[0];
    const pr = state.issues.find((i) => i.pull && i.number === Number(c.params.pull_number));
    // With a real repository, the PR's own diff (from the base it was opened on to its head).
    if (gitDir && pr && pr.baseSha && pr.headSha) {
      const range = `${pr.baseSha}...${pr.headSha}`;
      return [200, git(["diff", "--numstat", range]).split("\n").filter(Boolean).map((line) => {
        const [add, del, filename] = line.split("\t");
        const patch = git(["diff", range, "--", filename]).split("\n").slice(4).join("\n");
        return { ...ex, filename, status: "modified", additions: Number(add), deletions: Number(del), changes: Number(add) + Number(del), patch };
      })];
    }
    // Otherwise 250 files: three pages at per_page=100, so that pagination is exercised.
    return [200, Array.from({ length: 250 }, (_, i) => ({ ...ex, sha: ex.sha, filename: `src/file${i}.c` }))];
  },
  "pulls/list-reviews": (c) => [200, example(c.op, 200)],
  // The PR's commits (with FAKE_GITHUB_GIT_DIR: base branch..head, oldest first, with their messages).
  "pulls/list-commits": (c) => {
    const pr = state.issues.find((i) => i.pull && i.number === Number(c.params.pull_number));
    if (!pr) return [404, { message: "Not Found", documentation_url: "x" }];
    if (!gitDir) return [200, []];
    const ex = example(c.op, 200)[0];
    const head = (pr.state === "open" && refGet(`heads/${pr.head}`)) || pr.headSha;
    const shas = git(["rev-list", "--reverse", `refs/heads/${pr.base}..${head}`]).split("\n").filter(Boolean);
    return [200, shas.map((sha) => ({ ...ex, sha, commit: { ...ex.commit, message: git(["log", "-1", "--format=%B", sha]) } }))];
  },
  // The comments of one review, as POST /_fake/review-comments/ID set them.
  "pulls/list-comments-for-review": (c) => {
    const ex = example(c.op, 200)[0];
    const list = state.reviewComments.get(Number(c.params.review_id)) || [];
    return [200, list.map((m, i) => {
      const j = { ...ex, id: 5000 + i, pull_request_review_id: Number(c.params.review_id), path: m.path, line: m.line,
        original_line: m.line, body: m.body, user: { ...ex.user, login: m.login || "alice" } };
      // A comment on a whole file has no line (GitHub leaves the fields out).
      if (m.line == null) {
        delete j.line;
        delete j.original_line;
        j.subject_type = "file";
      }
      return j;
    })];
  },
  "pulls/list-review-comments": (c) => [200, example(c.op, 200)],
  "pulls/request-reviewers": (c) => {
    const pr = state.issues.find((i) => i.pull && i.number === Number(c.params.pull_number));
    if (!pr) return [404, { message: "Not Found", documentation_url: "x" }];
    // GitHub refuses a request to review one's own PR.
    if ((c.body.reviewers || []).includes(pr.login || BOT_LOGIN))
      return [422, { message: "Review cannot be requested from pull request author.", documentation_url: "x" }];
    pr.reviewers = [...new Set([...(pr.reviewers || []), ...(c.body.reviewers || [])])];
    pr.teams = [...new Set([...(pr.teams || []), ...(c.body.team_reviewers || [])])];
    return [201, pullJson(c.op, 201, pr)];
  },
  "issues/add-assignees": (c) => {
    const issue = state.issues.find((i) => i.number === Number(c.params.issue_number));
    if (!issue) return [404, { message: "Not Found", documentation_url: "x" }];
    issue.assignees = [...new Set([...(issue.assignees || []), ...(c.body.assignees || [])])];
    return [201, issueJson(c.op, 201, issue)];
  },
  "repos/get": (c) => {
    const j = example(c.op, 200);
    j.name = c.params.repo;
    j.full_name = `${c.params.owner}/${c.params.repo}`;
    j.owner.login = c.params.owner;
    j.default_branch = "main";
    // GitHub's example leaves out a property its schema requires.
    for (const o of [j, j.source, j.parent]) if (o && !("language" in o)) o.language = null;
    if (process.env.FAKE_GITHUB_CLONE_URL) j.clone_url = process.env.FAKE_GITHUB_CLONE_URL;
    return [200, j];
  },
  "users/get-by-username": (c) => {
    const j = example(c.op, 200);
    if (c.params.username === BOT_LOGIN) Object.assign(j, { login: BOT_LOGIN, id: BOT_ID, type: "Bot" });
    else j.login = c.params.username;
    return [200, j];
  },
  "issues/list-for-repo": (c) => {
    const want = (c.query.get("labels") || "").split(",").filter(Boolean);
    const st = c.query.get("state") || "open";
    const list = state.issues.filter(
      (i) => (st === "all" || i.state === st) && want.every((l) => i.labels.includes(l)),
    );
    return [200, list.map((i) => issueJson(c.op, 200, i, true))];
  },
  "issues/create": (c) => {
    const issue = { number: state.nextNumber++, title: c.body.title, body: c.body.body, state: "open", labels: c.body.labels || [], login: BOT_LOGIN, type: "Bot" };
    state.issues.push(issue);
    return [201, issueJson(c.op, 201, issue)];
  },
  "issues/get": (c) => {
    const issue = state.issues.find((i) => i.number === Number(c.params.issue_number));
    return issue ? [200, issueJson(c.op, 200, issue)] : [404, { message: "Not Found", documentation_url: "x" }];
  },
  "issues/update": (c) => {
    const issue = state.issues.find((i) => i.number === Number(c.params.issue_number));
    if (!issue) return [404, { message: "Not Found", documentation_url: "x" }];
    for (const k of ["title", "body", "state"]) if (k in c.body) issue[k] = c.body[k];
    return [200, issueJson(c.op, 200, issue)];
  },
  "issues/list-comments": (c) => {
    const n = Number(c.params.issue_number);
    return [200, state.comments.filter((m) => m.issue === n).map((m) => commentJson(c.op, 200, m, true))];
  },
  "issues/create-comment": (c) => {
    const m = { id: state.nextComment++, issue: Number(c.params.issue_number), body: c.body.body, login: BOT_LOGIN, type: "Bot" };
    state.comments.push(m);
    return [201, commentJson(c.op, 201, m)];
  },
  "issues/update-comment": (c) => {
    const m = state.comments.find((x) => x.id === Number(c.params.comment_id));
    if (!m) return [404, { message: "Not Found", documentation_url: "x" }];
    m.body = c.body.body;
    return [200, commentJson(c.op, 200, m)];
  },
  "issues/get-label": (c) => {
    const l = state.labels.get(c.params.name);
    return l ? [200, labelJson(c.op, 200, l)] : [404, { message: "Not Found", documentation_url: "x" }];
  },
  "issues/list-labels-for-repo": (c) => [200, [...state.labels.values()].map((l) => labelJson(c.op, 200, l, true))],
  "issues/create-label": (c) => {
    if (state.labels.has(c.body.name))
      return [422, { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists", field: "name" }], documentation_url: "x" }];
    const l = { name: c.body.name, color: c.body.color, description: c.body.description ?? null };
    state.labels.set(l.name, l);
    return [201, labelJson(c.op, 201, l)];
  },
  "issues/add-labels": (c) => {
    const issue = state.issues.find((i) => i.number === Number(c.params.issue_number));
    if (!issue) return [404, { message: "Not Found", documentation_url: "x" }];
    for (const l of c.body.labels) if (!issue.labels.includes(l)) issue.labels.push(l);
    return [200, issue.labels.map((name) => labelJson(c.op, 200, state.labels.get(name) || { name, color: "ededed", description: null }, true))];
  },
  "reactions/create-for-issue-comment": (c) => reaction(c),
  "reactions/create-for-pull-request-review-comment": (c) => reaction(c),
  // The App whose JWT it is: its slug makes BOT_LOGIN ("SLUG[bot]").
  "apps/get-authenticated": (c) => {
    const j = example(c.op, 200);
    j.slug = BOT_LOGIN.replace(/\[bot\]$/, "");
    return [200, j];
  },
  // Who the token is: the identity every write of the fake is made by.
  "users/get-authenticated": (c) => {
    // Actions' GITHUB_TOKEN (an installation token of the github-actions App) may not read /user.
    if (actionsToken && (c.headers.authorization || "").endsWith(` ${actionsToken}`))
      return [403, { message: "Resource not accessible by integration", documentation_url: "x" }];
    const j = example(c.op, 200);
    j.login = BOT_LOGIN;
    j.type = "Bot";
    return [200, j];
  },
  "repos/get-collaborator-permission-level": (c) => {
    const role = state.permissions.get(c.params.username);
    if (!role) return [404, { message: "Not Found", documentation_url: "x" }];
    const j = example(c.op, 200);
    j.permission = state.permissionOf.get(c.params.username) || roleToPermission(role);
    j.role_name = role;
    j.user.login = c.params.username;
    j.user.role_name = role; // missing from GitHub's example, required by its schema
    return [200, j];
  },
  "git/get-ref": (c) => {
    const sha = refGet(c.params.ref);
    return sha ? [200, refJson(c.op, 200, c.params.ref, sha)] : [404, { message: "Not Found", documentation_url: "x" }];
  },
  "git/create-ref": (c) => {
    const ref = c.body.ref.replace(/^refs\//, "");
    if (refGet(ref) !== undefined) return [422, { message: "Reference already exists", documentation_url: "x" }];
    refSet(ref, c.body.sha);
    return [201, refJson(c.op, 201, ref, c.body.sha)];
  },
  "git/update-ref": (c) => {
    if (refGet(c.params.ref) === undefined) return [422, { message: "Reference does not exist", documentation_url: "x" }];
    refSet(c.params.ref, c.body.sha);
    return [200, refJson(c.op, 200, c.params.ref, c.body.sha)];
  },
  "git/delete-ref": (c) => {
    if (!refDelete(c.params.ref)) return [422, { message: "Reference does not exist", documentation_url: "x" }];
    return [204, null];
  },
  // The App's installations, and the repositories an installation token reaches.
  "apps/list-installations": (c) => [200, state.installations.map((inst) => {
    const j = example(c.op, 200)[0];
    j.id = inst.id;
    // The description types the account as a user *and* an enterprise (allOf): it gets both's fields.
    const user = example(spec.paths["/installation/repositories"].get, 200).repositories[0].owner;
    j.account = { ...user, login: inst.account, type: "Organization", name: inst.account, slug: inst.account,
      created_at: "2020-01-01T00:00:00Z", updated_at: "2020-01-01T00:00:00Z" };
    j.target_type = "Organization";
    return j;
  })],
  "apps/list-repos-accessible-to-installation": (c) => {
    const token = (/^(?:token|Bearer) (.+)$/.exec(c.headers.authorization || "") || [])[1];
    const inst = state.installations.find((i) => i.id === (tokenInstallation.get(token) ?? 4242));
    const template = example(c.op, 200).repositories[0];
    const all = (inst ? inst.repositories : []).map((r, k) => ({
      ...template, id: inst.id * 1000 + k, name: r.name, full_name: `${inst.account}/${r.name}`,
      owner: { ...template.owner, login: inst.account }, default_branch: r.default_branch || "main",
      archived: !!r.archived, disabled: false,
    }));
    const [repositories, headers] = paginate(null, c.url, all);
    return [200, { total_count: all.length, repository_selection: "selected", repositories }, headers];
  },
  "repos/compare-commits": (c) => {
    const j = example(c.op, 200);
    j.status = "ahead";
    j.ahead_by = 1;
    j.behind_by = 0;
    // With FAKE_GITHUB_GIT_DIR, the real answer: how head stands to base, and the files with
    // their patches, as git compares base...head.
    if (gitDir && c.params.base && c.params.head) {
      const range = `${c.params.base}...${c.params.head}`, ex = j.files[0];
      const statuses = { A: "added", D: "removed", M: "modified" };
      let base, head;
      try {
        base = git(["rev-parse", "--verify", "-q", `${c.params.base}^{commit}`]);
        head = git(["rev-parse", "--verify", "-q", `${c.params.head}^{commit}`]);
        j.files = git(["diff", "--numstat", range]).split("\n").filter(Boolean).map((row) => {
          const [add, del, filename] = row.split("\t");
          const st = git(["diff", "--name-status", range, "--", filename]).split("\t")[0];
          const patch = git(["diff", range, "--", filename]).replace(/^[\s\S]*?\n(?=@@)/, "");
          return { ...ex, filename, status: statuses[st] || "changed", additions: Number(add) || 0,
            deletions: Number(del) || 0, changes: (Number(add) || 0) + (Number(del) || 0), patch };
        });
      } catch (e) {
        return [404, { message: "Not Found", documentation_url: "x" }];
      }
      j.ahead_by = Number(git(["rev-list", "--count", `${base}..${head}`]));
      j.behind_by = Number(git(["rev-list", "--count", `${head}..${base}`]));
      j.status = base === head ? "identical" : !j.behind_by ? "ahead" : !j.ahead_by ? "behind" : "diverged";
    }
    return [200, j];
  },
};

const failures = [];
const delays = new Map();
const issuedTokens = new Set(process.env.FAKE_GITHUB_TOKEN ? [process.env.FAKE_GITHUB_TOKEN] : []);
// FAKE_GITHUB_ACTIONS_TOKEN: a token that behaves as Actions' GITHUB_TOKEN (no GET /user).
const actionsToken = process.env.FAKE_GITHUB_ACTIONS_TOKEN;
if (actionsToken) issuedTokens.add(actionsToken);
let lastTokenRequest = null;
// Which installation each installation token was made for.
const tokenInstallation = new Map();

// A repository of an installation (state.installations), or undefined.
function installedRepository(ownerLogin, name) {
  for (const inst of state.installations)
    if (inst.account === ownerLogin) {
      const r = inst.repositories.find((x) => x.name === name);
      if (r) return { ...r, default_branch: r.default_branch || "main" };
    }
  return undefined;
}

function commentJson(op, status, m, inList) {
  const j = example(op, status);
  const one = inList ? j[0] : j;
  Object.assign(one, { id: m.id, body: m.body });
  if (m.login) Object.assign(one.user, { login: m.login, type: m.type || "User" });
  return one;
}

function labelJson(op, status, l, inList) {
  const j = example(op, status);
  const one = Array.isArray(j) ? j[0] : j;
  Object.assign(one, { name: l.name, color: l.color, description: l.description });
  return one;
}

function refJson(op, status, ref, sha) {
  const j = example(op, status);
  j.ref = `refs/${ref}`;
  j.object.sha = sha;
  return j;
}

// GitHub's permission for a role: maintain acts as write, triage as read.
function roleToPermission(role) {
  return { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read" }[role] || "none";
}

// A reaction is one per user, content and comment: the same again answers 200 ("Reaction exists").
function reaction(c) {
  const id = Number(c.params.comment_id);
  if (c.op.operationId === "reactions/create-for-issue-comment" && !state.comments.some((m) => m.id === id))
    return [404, { message: "Not Found", documentation_url: "x" }];
  const j = example(c.op, 201);
  j.content = c.body.content;
  j.user.login = BOT_LOGIN;
  const old = state.reactions.find((r) => r.comment_id === id && r.content === c.body.content);
  if (old) return [200, j];
  state.reactions.push({ comment_id: id, content: c.body.content, login: BOT_LOGIN });
  return [201, j];
}

// ---------------------------------------------------------------- auth

const appId = process.env.FAKE_GITHUB_APP_ID;
const appKey = process.env.FAKE_GITHUB_APP_PUBLIC_KEY
  ? await importSPKI(readFileSync(process.env.FAKE_GITHUB_APP_PUBLIC_KEY, "utf8"), "RS256")
  : null;

async function authorize(req, template) {
  const auth = req.headers.authorization || "";
  if (template === "/app" || template.startsWith("/app/") || template === "/repos/{owner}/{repo}/installation") {
    const m = /^Bearer (.+)$/.exec(auth);
    if (!m || !appKey) return "an App JWT is required";
    try {
      const { payload } = await jwtVerify(m[1], appKey, { algorithms: ["RS256"], issuer: appId });
      if (payload.exp - payload.iat > 660) return "the JWT lives longer than GitHub allows";
    } catch (e) {
      return `the JWT does not verify: ${e.code}`;
    }
    return null;
  }
  const m = /^(?:token|Bearer) (.+)$/.exec(auth);
  if (!m || !issuedTokens.has(m[1])) return "Bad credentials";
  return null;
}

// ---------------------------------------------------------------- server

function paginate(req, url, list) {
  const perPage = Math.min(Number(url.searchParams.get("per_page") || 30), 100);
  const page = Number(url.searchParams.get("page") || 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  const headers = {};
  const link = (p, rel) => {
    const u = new URL(url);
    u.searchParams.set("page", String(p));
    return `<${u}>; rel="${rel}"`;
  };
  const links = [];
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  if (links.length) headers.link = links.join(", ");
  return [list.slice((page - 1) * perPage, page * perPage), headers];
}

function send(res, status, body, headers = {}) {
  const text = body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    ...headers,
  });
  res.end(text);
}

// The request listener: reads the request, checks it, answers it.
export function handle(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url, `http://${req.headers.host}`);
    try {
      if (url.pathname === "/_fake/report") return send(res, 200, { violations, seen, tokensIssued, lastTokenRequest });
      if (url.pathname === "/_fake/config" && req.method === "POST") {
        const cfg = JSON.parse(body);
        if ("token_ttl" in cfg) tokenTtl = cfg.token_ttl;
        return send(res, 200, { ok: true });
      }
      // An issue opened by someone else (a person who pasted autofix's marker, say).
      if (url.pathname === "/_fake/issue" && req.method === "POST") {
        const b = JSON.parse(body);
        const issue = { number: state.nextNumber++, title: b.title, body: b.body, state: "open", labels: [], login: b.login, type: "User" };
        state.issues.push(issue);
        return send(res, 201, { number: issue.number });
      }
      if (url.pathname === "/_fake/pull-request" && req.method === "POST") {
        const b = JSON.parse(body);
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        if (refGet(`heads/${b.head}`) === undefined) refSet(`heads/${b.head}`, refGet("heads/main"));
        const pr = { number: state.nextNumber++, pull: true, title: b.title || "a change", body: b.body ?? null, head: b.head, base: b.base || "main", state: b.state || "open", labels: [], login: b.login || BOT_LOGIN, created_at: b.created_at || now, closed_at: b.closed_at || null, headSha: refGet(`heads/${b.head}`) };
        state.issues.push(pr);
        return send(res, 201, { number: pr.number });
      }
      if (url.pathname === "/_fake/comment" && req.method === "POST") {
        const b = JSON.parse(body);
        const m = { id: state.nextComment++, issue: b.issue, body: b.body, login: b.login, type: b.type || "User" };
        state.comments.push(m);
        return send(res, 201, { id: m.id });
      }
      if (url.pathname === "/_fake/permission" && req.method === "POST") {
        const b = JSON.parse(body);
        if (b.role_name === null) state.permissions.delete(b.user);
        else state.permissions.set(b.user, b.role_name);
        if (b.permission) state.permissionOf.set(b.user, b.permission);
        else state.permissionOf.delete(b.user);
        return send(res, 200, { ok: true });
      }
      if (url.pathname === "/_fake/state" && req.method === "GET")
        return send(res, 200, {
          issues: state.issues.filter((i) => !i.pull),
          pulls: state.issues.filter((i) => i.pull),
          comments: state.comments,
          labels: [...state.labels.values()],
          reactions: state.reactions,
          branches: gitDir ? [] : [...state.refs.keys()].filter((r) => r.startsWith("heads/")).map((r) => r.slice(6)),
        });
      // A person closes or merges a PR, at a time of the test's choosing.
      let m;
      if ((m = /^\/_fake\/pull\/(\d+)$/.exec(url.pathname)) && req.method === "POST") {
        const pr = state.issues.find((i) => i.pull && i.number === Number(m[1]));
        if (!pr) return send(res, 404, { message: "no such pull" });
        const b = JSON.parse(body || "{}");
        for (const k of ["state", "closed_at", "created_at", "title", "body", "login"]) if (k in b) pr[k] = b[k];
        if (b.merged) pr.merged_at = b.closed_at;
        if (pr.state === "closed" && !pr.closed_at) pr.closed_at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        if (b.head_sha) pr.headSha = b.head_sha;
        if (b.merge_commit_sha) pr.merge_commit_sha = b.merge_commit_sha;
        return send(res, 200, { number: pr.number });
      }
      // A review's comments (a reviewer wrote them): [{path, line, body, login}].
      if ((m = /^\/_fake\/review-comments\/(\d+)$/.exec(url.pathname)) && req.method === "POST") {
        state.reviewComments.set(Number(m[1]), JSON.parse(body));
        return send(res, 200, { ok: true });
      }
      if (url.pathname === "/_fake/installations" && req.method === "POST") {
        state.installations = JSON.parse(body);
        return send(res, 200, { ok: true });
      }
      if (url.pathname === "/_fake/fail" && req.method === "POST") {
        const b = JSON.parse(body);
        // count 0 clears the operation's failures.
        if (b.count === 0) {
          for (let i = failures.length - 1; i >= 0; i--) if (failures[i].operation === b.operation) failures.splice(i, 1);
          return send(res, 200, { ok: true });
        }
        failures.push({ operation: b.operation, page: b.page || 1, status: b.status || 500, count: b.count || 1 });
        return send(res, 200, { ok: true });
      }
      if (url.pathname === "/_fake/delay" && req.method === "POST") {
        const b = JSON.parse(body);
        delays.set(b.operation, b.ms);
        return send(res, 200, { ok: true });
      }
      const where = `${req.method} ${url.pathname}`;
      const r = route(req.method, url.pathname);
      if (!r) {
        violation(`${where}: no such operation in GitHub's description`);
        return send(res, 404, { message: "Not Found", documentation_url: "x" });
      }
      const opId = r.op.operationId;
      seen[opId] = (seen[opId] || 0) + 1;
      const accept = req.headers.accept || "";
      if (!/^application\/vnd\.github(\.v3)?(\+json|\.raw)/.test(accept)) violation(`${where}: Accept '${accept}'`);
      if (req.headers["x-github-api-version"] !== "2022-11-28")
        violation(`${where}: X-GitHub-Api-Version '${req.headers["x-github-api-version"]}'`);
      if (!/^autofix\//.test(req.headers["user-agent"] || "")) violation(`${where}: User-Agent '${req.headers["user-agent"]}'`);
      checkQuery(r.op, url, `${opId}`);
      const json = checkBody(r.op, body, `${opId}`);
      if (json === undefined)
        return send(res, 422, { message: "Validation Failed (fake-github: the body breaks the description)", documentation_url: "x" });
      const denied = await authorize(req, r.template);
      if (denied) return send(res, 401, { message: denied, documentation_url: "x" });
      const page = Number(url.searchParams.get("page") || 1);
      const failure = failures.find((f) => f.operation === opId && f.page === page && f.count > 0);
      if (failure) {
        failure.count--;
        // Failures are ours, not GitHub's contract: not validated against the description.
        return send(res, failure.status, { message: `fake-github: ${opId} page ${page} fails (${failure.status})`, documentation_url: "x" });
      }
      const handler = handlers[opId];
      if (!handler) {
        violation(`${opId}: the fake does not implement it`);
        return send(res, 501, { message: "not implemented by the fake" });
      }
      let [status, out, headers] = handler({ op: r.op, params: r.params, query: url.searchParams, url, body: json || {}, headers: req.headers });
      if (Array.isArray(out) && status === 200) {
        let h;
        [out, h] = paginate(req, url, out);
        headers = { ...headers, ...h };
      }
      if (typeof out !== "string" && out !== null) checkResponse(r.op, status, out, opId);
      // The operation is done; only its answer is late (a client killed meanwhile never sees it).
      if (delays.get(opId)) await new Promise((r2) => setTimeout(r2, delays.get(opId)));
      send(res, status, out, headers);
    } catch (e) {
      violation(`${req.method} ${url.pathname}: the fake crashed: ${e.stack}`);
      send(res, 500, { message: String(e) });
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = http.createServer(handle);
  // --port-file FILE: the port is written there (tests/lib/tap.sh's start_server), and the
  // fake runs until stopped by its PID rather than until stdin closes.
  const portFile = process.argv.indexOf("--port-file") > 0 ? process.argv[process.argv.indexOf("--port-file") + 1] : null;
  server.listen(0, "127.0.0.1", () => {
    if (portFile) writeFileSync(portFile, String(server.address().port));
    else process.stdout.write(`port ${server.address().port}\n`);
  });
  if (!portFile) {
    process.stdin.on("end", () => process.exit(0));
    process.stdin.resume();
  }
  setTimeout(() => process.exit(3), 300000).unref();
}
