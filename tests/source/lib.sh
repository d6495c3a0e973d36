# Helpers for the source tests (sourced, not run): the loopback fake
# Railway server and a .autofix.yml for it, over tests/lib/tap.sh.
. "$TEST_DATA_DIR/lib/tap.sh"

NODE_PATH=$TEST_DATA_DIR/node_modules
export NODE_PATH

# start_fake NAME ARGS...: starts tests/fakes/railway.js; sets FAKE_PID and FAKE_PORT.
start_fake() {
	name=$1; shift
	start_server "$name" node "$TEST_DATA_DIR/fakes/railway.js" --port-file "$TMP/$name.port" "$@"
	FAKE_PID=$SERVER_PID FAKE_PORT=$SERVER_PORT
}
stop_fake() {
	stop_server "$FAKE_PID"
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
