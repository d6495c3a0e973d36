# Helpers for the source tests (sourced, not run): TAP output, a
# loopback fake Railway server started on a free port and stopped by PID.
n=0
failed=0
ok() { # ok CONDITION-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
check() { # check NAME COMMAND...: ok when the command succeeds
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok 0 "$name"; else ok 1 "$name"; fi
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

TMP=$(mktemp -d)
FAKE_PIDS=""
cleanup() {
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

NODE_PATH=$TEST_DATA_DIR/node_modules
export NODE_PATH

# start_fake NAME ARGS...: starts tests/fakes/railway.js; sets FAKE_PORT.
start_fake() {
	name=$1; shift
	rm -f "$TMP/$name.port"
	node "$TEST_DATA_DIR/fakes/railway.js" --port-file "$TMP/$name.port" "$@" 2>"$TMP/$name.err" &
	FAKE_PIDS="$FAKE_PIDS $!"
	FAKE_PID=$!
	i=0
	while [ ! -s "$TMP/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	FAKE_PORT=$(cat "$TMP/$name.port" 2>/dev/null)
	[ -n "$FAKE_PORT" ] || { echo "# fake Railway did not start:"; sed 's/^/# /' "$TMP/$name.err"; }
}
stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}
fake_requests() {
	curl -s -m 5 "http://127.0.0.1:$FAKE_PORT/__stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).requests))'
}

# write_config FILE PORT TOKEN_KIND SERVICES...: a .autofix.yml for the fake.
write_config() {
	file=$1 port=$2 kind=$3; shift 3
	{
		echo "version: 1"
		echo "source:"
		echo "  railway:"
		echo "    project: p-autofix-test"
		echo "    environment: production"
		echo "    token_env: TEST_RAILWAY_TOKEN"
		echo "    token_kind: $kind"
		echo "    endpoint: http://127.0.0.1:$port/graphql/v2"
		echo "window: 30m"
		echo "services:"
		for s in "$@"; do echo "  $s: {}"; done
	} >"$file"
}
