# What the `autofix event` tests share (sourced, not run), on top of
# tests/lib/tap.sh: GitHub's fake (tests/github/fake-github.mjs, held to
# GitHub's OpenAPI description) with one of autofix's pull requests, a
# .autofix.yml, payloads made from @octokit/webhooks-examples
# (tests/event/payload.js), and `autofix event` run against them.
#
#   fresh_github              a new fake GitHub ($GH) holding nothing
#   autofix_pr HEAD [BODY] [LOGIN]   a pull request (autofix's unless LOGIN), its number in $PR
#   comment PR LOGIN TEXT [TYPE]     a comment someone wrote, its id in $COMMENT
#   payload OUT EVENT ACTION [key=value...]   tests/event/payload.js
#   event OUT EVENT PAYLOAD [NAME=VALUE...]   autofix event --json: $TMP/OUT.out, .err, exit code
#   gh_state                  the fake's state in $TMP/state.json
#   js EXPR                   evaluates a JavaScript expression over s (that state); 0 when truthy
#   violations                how many requests the fake refused as GitHub would
. "$TEST_DATA_DIR/lib/tap.sh"

NODE_PATH=$TEST_DATA_DIR/node_modules
export NODE_PATH
GH_TOKEN=ghs_fake-github-token-for-the-event-tests
BOT=autofix-test[bot]
FP=0123456789abcdef
unset GITHUB_ACTIONS GITHUB_WORKSPACE GITHUB_TOKEN AUTOFIX_GITHUB_TOKEN GITHUB_REPOSITORY AUTOFIX_APP_ID \
	AUTOFIX_APP_CLIENT_ID GITHUB_EVENT_NAME GITHUB_EVENT_PATH AUTOFIX_STATE
export AUTOFIX_NOW=2026-11-28T10:00:00Z

CONFIG=$TMP/autofix.yml
cat >"$CONFIG" <<EOT
version: 1
source: { railway: { project: p-autofix-test } }
services: { api: {} }
pull_requests: { cooldown: 1d }
commands: { allow_bots: ["renovate[bot]"] }
EOT

# The body autofix writes (templates/pull-request.md, shortened), with its marker.
PR_BODY="autofix found a problem on **api** and made a change for it.

## What was detected

Memory grows by 2 MiB a minute on api.

## Root causes

The cache in cache\\.js never forgets.

## What changed

| file | status | + | − |
|---|---|---:|---:|
| cache\\.js | M | 1 | 0 |

<!-- autofix:pr:$FP -->"

GH_PID=
fresh_github() {
	[ -n "$GH_PID" ] && stop_server "$GH_PID"
	FAKE_GITHUB_TOKEN=$GH_TOKEN start_server gh node "$TEST_DATA_DIR/github/serve-fake.mjs" "$TMP/gh.port"
	GH_PID=$SERVER_PID GH=http://127.0.0.1:$SERVER_PORT
	rm -f "$TMP/state.db"
}
post() { curl -s -m 5 -X POST -H 'content-type: application/json' --data "$2" "$GH$1"; }
num() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
jstr() { node -e 'console.log(JSON.stringify(process.argv[1]))' "$1"; }
autofix_pr() {
	PR=$(post /_fake/pull-request "{\"title\":\"api: memory leak\",\"head\":$(jstr "$1"),\"body\":$(jstr "${2-$PR_BODY}"),\"login\":$(jstr "${3:-$BOT}")}" | num number)
}
comment() {
	COMMENT=$(post /_fake/comment "{\"issue\":$1,\"login\":$(jstr "$2"),\"body\":$(jstr "$3"),\"type\":\"${4:-User}\"}" | num id)
}
payload() {
	(cd "$TEST_DATA_DIR" && node event/payload.js "$@")
}
# A comment's payload: comment_payload OUT PR COMMENT_ID LOGIN TEXT [TYPE]
comment_payload() {
	payload "$1" issue_comment created issue.number="$2" comment.id="$3" comment.user.login="$4" \
		"comment.body=$5" comment.user.type="${6:-User}" comment.created_at=2026-11-28T09:00:00Z pr=1
}
event() {
	_out=$1 _name=$2 _payload=$3; shift 3
	env AUTOFIX_GITHUB_API_URL=$GH AUTOFIX_GITHUB_TOKEN=$GH_TOKEN TMPDIR="$TMP" "$@" \
		timeout 60 "$AUTOFIX" event --event "$_name" --payload "$_payload" --config "$CONFIG" \
		--state "$TMP/state.db" --json >"$TMP/$_out.out" 2>"$TMP/$_out.err"
}
gh_state() { curl -s -m 5 "$GH/_fake/state" >"$TMP/state.json"; }
js() {
	gh_state
	node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1])); const out = (() => { try { return JSON.parse(require("fs").readFileSync(process.argv[3])); } catch (e) { return null; } })(); process.exit((0, eval)("(s, out) => " + process.argv[2])(s, out) ? 0 : 1)' \
		"$TMP/state.json" "$1" "${2:-/dev/null}"
}
violations() { curl -s -m 5 "$GH/_fake/report" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).violations.length))'; }
debug() { for f in "$TMP"/*.err "$TMP"/*.out; do [ -s "$f" ] || continue; echo "# == $f"; tail -n 15 "$f" | sed "s/^/# /"; done; }
