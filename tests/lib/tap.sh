# What the shell tests share (sourced, not run): TAP output, a temporary
# directory removed on exit, and background servers that write the port
# they listen on to a file, started on a free loopback port and stopped by
# PID. scripts/lib/prometheus.sh does the same for a real Prometheus.
#
#   ok STATUS NAME           a test point; passes when STATUS is 0
#   check NAME COMMAND...    a test point; passes when COMMAND succeeds
#                            (both return 1 when the point failed: `check ... || diagnose`)
#   finish                   prints the plan; fails when any point failed
#   wait_until TENTHS COMMAND...
#                            runs COMMAND every 0.1 s until it succeeds, at
#                            most TENTHS times; returns its last status
#   start_server NAME COMMAND...
#                            starts COMMAND in the background (stderr to
#                            $TMP/NAME.err), waits up to 30 s (or until it
#                            exits) for a port in $TMP/NAME.port (COMMAND
#                            must write it there);
#                            sets SERVER_PID and SERVER_PORT (empty, with
#                            the server's stderr as a diagnostic, when it
#                            did not start)
#   stop_server PID          stops it and waits for it
#
# $TMP is removed and every server still running is killed by its PID on
# exit (cleanup, the EXIT trap; a test that sets its own trap calls it).
n=0
failed=0
ok() { # ok STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); return 1; fi
}
check() { # check NAME COMMAND...
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok 0 "$name"; else ok 1 "$name"; fi
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

wait_until() { # wait_until TENTHS COMMAND...
	_tries=$1; shift
	while ! "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

TMP=$(mktemp -d)
SERVER_PIDS=""
cleanup() {
	for p in $SERVER_PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
# A signal (a reader that went away, Ctrl-C, a timeout) ends the test through exit, so that
# the EXIT trap still stops the servers.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

server_up() { test -s "$1" || ! kill -0 "$2" 2>/dev/null; } # server_up PORTFILE PID: ready or gone
start_server() { # start_server NAME COMMAND...
	_name=$1; shift
	rm -f "$TMP/$_name.port"
	"$@" 2>"$TMP/$_name.err" &
	SERVER_PID=$!
	SERVER_PIDS="$SERVER_PIDS $SERVER_PID"
	wait_until 300 server_up "$TMP/$_name.port" "$SERVER_PID"
	SERVER_PORT=$(cat "$TMP/$_name.port" 2>/dev/null)
	[ -n "$SERVER_PORT" ] || { echo "# $_name did not start:"; sed 's/^/# /' "$TMP/$_name.err"; }
}
stop_server() { # stop_server PID
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
