# What the scan-to-pull-request tests share (sourced, not run), on top of
# tests/source/lib.sh: a fake Railway whose `api` is in trouble (two
# findings), a fake LLM, a real git smart-HTTP server (git http-backend
# behind tests/fakes/git-http.js) holding a sample repository, and GitHub's
# fake (tests/github/fake-github.mjs, held to GitHub's OpenAPI description)
# whose branches are that repository's.
#
#   write_deliver_config FILE AGENT_YAML [MORE_YAML]   a .autofix.yml for all that
#   fresh_world          a new bare repository (the sample only) and a new fake GitHub ($GH)
#   scan OUT RUN_ID [NAME=VALUE...]   a full scan, output in $TMP/OUT.out and .err
#   world                what GitHub and the repository hold, one comparable line per object
#   same_world NAME      a test point: the world is $TMP/world.expected (the difference as diagnostics)
#   violations           how many requests the fake GitHub refused as GitHub would
#   debug                the tails of the servers' and scans' stderr, as diagnostics
. "$TEST_DATA_DIR/source/lib.sh"

if [ ! -x /usr/lib/git-core/git-http-backend ]; then
	echo "1..0 # SKIP no git http-backend (Debian's git package ships it)"
	exit 0
fi

TOKEN=9f1c2d3e-4b5a-4c6d-8e7f-a1b2c3d4e5f6
GH_TOKEN=ghs_fake-github-token-for-the-deliver-tests
export AUTOFIX_NOW=2026-11-28T10:00:00Z TEST_RAILWAY_TOKEN=$TOKEN FAKE_LLM_KEY=sk-fake-llm-key-0123456789abcdef
unset GITHUB_ACTIONS GITHUB_WORKSPACE GITHUB_TOKEN AUTOFIX_GITHUB_TOKEN GITHUB_REPOSITORY AUTOFIX_APP_ID AUTOFIX_APP_CLIENT_ID
export GIT_CONFIG_NOSYSTEM=1 HOME=$TMP

start_fake rw --scenario "$TEST_DATA_DIR/source/fixtures/railway-unhealthy.json" --token $TOKEN --token-kind project
RW_PORT=$FAKE_PORT
start_server llm node "$TEST_DATA_DIR/fakes/llm.js" "$TMP/llm.port" "$TMP/llm.log"
LLM_PORT=$SERVER_PORT
printf '%s\n' "$GH_TOKEN" >"$TMP/git.token"
mkdir -p "$TMP/git"
start_server git node "$TEST_DATA_DIR/fakes/git-http.js" "$TMP/git.port" "$TMP/git" "$TMP/git.token" "$TMP/git.log"
GIT_PORT=$SERVER_PORT
BARE=$TMP/git/hello-world.git
REPO=/repos/octo-org/hello-world

# The sample service with its bug: a cache that never forgets.
mkdir -p "$TMP/src"
(
	cd "$TMP/src" && git init -q -b main &&
	printf 'const cache = new Map();\nexport function get(k, load) {\n  if (!cache.has(k)) cache.set(k, load(k));\n  return cache.get(k);\n}\n' >cache.js &&
	git add cache.js && git -c user.name=dev -c user.email=dev@example.com commit -qm "the service"
) || { echo "Bail out! cannot make the sample repository"; exit 1; }

# write_deliver_config FILE LLM_MODEL AGENT_YAML [MORE_YAML]
write_deliver_config() {
	write_config "$1" "$RW_PORT" project api worker
	cat >>"$1" <<EOT
llm: { provider: openai, model: '$2', base_url: "http://127.0.0.1:$LLM_PORT/v1", api_key_env: FAKE_LLM_KEY }
agent: $3
${4:-}
EOT
}

GH_PID=
fresh_world() {
	[ -n "$GH_PID" ] && stop_server "$GH_PID"
	rm -rf "$BARE" "$TMP/agent.count"
	git clone -q --bare "$TMP/src" "$BARE" || { echo "Bail out! cannot make the bare repository"; exit 1; }
	FAKE_GITHUB_TOKEN=$GH_TOKEN FAKE_GITHUB_GIT_DIR=$BARE \
	FAKE_GITHUB_CLONE_URL=http://127.0.0.1:$GIT_PORT/hello-world.git start_server gh node "$TEST_DATA_DIR/github/serve-fake.mjs" "$TMP/gh.port"
	GH_PID=$SERVER_PID GH=http://127.0.0.1:$SERVER_PORT
}
# scan OUT RUN_ID [NAME=VALUE...]: a full scan of $CONFIG against the fakes.
scan() {
	_out=$1 _run=$2; shift 2
	env GITHUB_REPOSITORY=octo-org/hello-world AUTOFIX_GITHUB_API_URL=$GH AUTOFIX_GITHUB_TOKEN=$GH_TOKEN \
		TMPDIR="$TMP" "$@" timeout 120 "$AUTOFIX" scan --config "$CONFIG" --run-id "$_run" \
		--state "$TMP/state.db" >"$TMP/$_out.out" 2>"$TMP/$_out.err"
}
world() {
	curl -s -m 5 "$GH/_fake/state" >"$TMP/state.json" || return 1
	node -e '
const fs = require("fs");
const s = JSON.parse(fs.readFileSync(process.argv[1]));
const out = [];
for (const p of s.pulls || []) out.push(`pr #${p.number} ${p.state} ${p.head} draft=${!!p.draft} labels=${[...(p.labels || [])].sort().join(",")} ${(/<!-- autofix:pr:([0-9a-f]{16}) -->/.exec(p.body || "") || [])[1]}`);
for (const i of (s.issues || []).filter((i) => !i.pull)) out.push(`issue #${i.number} ${i.state} ${i.title}`);
for (const c of s.comments || []) out.push(`comment on #${c.issue} ${(c.body || "").split("\n")[0]}`);
for (const l of s.labels || []) out.push(`label ${l.name || l}`);
console.log(out.sort().join("\n"));
' "$TMP/state.json"
	git -C "$BARE" for-each-ref --format='%(refname) %(tree)' refs/heads
}
same_world() {
	world >"$TMP/world.now" 2>&1
	if cmp -s "$TMP/world.now" "$TMP/world.expected"; then
		ok 0 "$1"
	else
		ok 1 "$1"
		diff "$TMP/world.expected" "$TMP/world.now" | sed 's/^/# /'
	fi
}
debug() { for f in "$TMP"/*.err "$TMP"/*.out; do [ -s "$f" ] || continue; echo "# == $f"; tail -n 25 "$f" | sed "s/^/# /"; done; }
violations() { curl -s -m 5 "$GH/_fake/report" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).violations.length))'; }
