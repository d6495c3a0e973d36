// Writes a webhook payload for `autofix event` made from a real one of
// @octokit/webhooks-examples (pinned in tests/package-lock.json), adjusted
// to the fake GitHub: the repository octo-org/hello-world, the pull
// request's number, the comment or review the fake holds.
//
//   node payload.js OUT EVENT ACTION [key=value...]
//
// EVENT ACTION picks the example (the first with that action); the keys
// set fields by dotted path (values parsed as JSON when they parse, else
// taken as strings; "-path" deletes the field). For issue_comment,
// "pr=1" adds issue.pull_request as GitHub does for a comment on a pull
// request. "truncate=N" writes only the first N bytes.
const fs = require("fs");
const examples = require("@octokit/webhooks-examples/api.github.com/index.json");

const [out, event, action, ...sets] = process.argv.slice(2);
const group = examples.find((e) => e.name === event);
if (!group) throw new Error(`no examples of ${event}`);
const found = group.examples.find((x) => x.action === action);
if (!found) throw new Error(`no ${event} example with action ${action}`);
const p = structuredClone(found);
p.repository.owner.login = "octo-org";
p.repository.name = "hello-world";
p.repository.full_name = "octo-org/hello-world";

function set(obj, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  for (const k of keys) obj = obj[k] ??= {};
  if (value === undefined) delete obj[last];
  else obj[last] = value;
}

let truncate = null;
for (const s of sets) {
  const eq = s.indexOf("=");
  const key = eq < 0 ? s : s.slice(0, eq);
  const raw = eq < 0 ? "" : s.slice(eq + 1);
  if (key === "truncate") {
    truncate = Number(raw);
    continue;
  }
  if (key === "pr") {
    const n = p.issue.number;
    p.issue.pull_request = {
      url: `https://api.github.com/repos/octo-org/hello-world/pulls/${n}`,
      html_url: `https://github.com/octo-org/hello-world/pull/${n}`,
      diff_url: `https://github.com/octo-org/hello-world/pull/${n}.diff`,
      patch_url: `https://github.com/octo-org/hello-world/pull/${n}.patch`,
      merged_at: null,
    };
    continue;
  }
  if (key.startsWith("-")) {
    set(p, key.slice(1), undefined);
    continue;
  }
  let v;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    v = raw;
  }
  set(p, key, v);
}
let text = JSON.stringify(p, null, 2);
if (truncate !== null) text = text.slice(0, truncate);
fs.writeFileSync(out, text);
