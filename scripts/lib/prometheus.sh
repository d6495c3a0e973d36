# A throwaway Prometheus (Debian's package) for the demo and the tests;
# sourced, not run. Data arrives as OpenMetrics text, is turned into TSDB
# blocks by promtool, and is served by a server on a free loopback port
# that is stopped by its PID. The caller owns the directory it passes and
# must call prometheus_stop from its EXIT trap.
#
#   prometheus_load OM_FILE DIR   promtool blocks from OM_FILE into DIR/tsdb
#   prometheus_start DIR          serves DIR/tsdb; sets PROMETHEUS_PID,
#                                 PROMETHEUS_PORT and PROMETHEUS_URL
#   prometheus_stop               stops it (no-op when nothing runs)
#
# Every step is bounded: promtool by PROMETHEUS_LOAD_TIMEOUT (120 s), the
# wait for readiness by PROMETHEUS_START_TIMEOUT (30 s), and the server's
# whole life by PROMETHEUS_LIFETIME (900 s), so that a caller killed with
# SIGKILL, whose trap cannot run, still leaves nothing behind for long.
# Failures print what happened (and the tail of the tool's log) on
# standard error and return 1.

PROMETHEUS_PID=
PROMETHEUS_PORT=
PROMETHEUS_URL=

_prometheus_log_tail() { # FILE
	if [ -s "$1" ]; then tail -n 20 "$1" | sed 's/^/  /' >&2; else echo "  (empty)" >&2; fi
}

prometheus_load() {
	_om=$1 _dir=$2
	mkdir -p "$_dir/tsdb" || return 1
	if ! timeout --foreground "${PROMETHEUS_LOAD_TIMEOUT:-120}" promtool tsdb create-blocks-from openmetrics \
		"$_om" "$_dir/tsdb" >"$_dir/promtool.log" 2>&1; then
		echo "prometheus: promtool could not load '$_om' (timeout ${PROMETHEUS_LOAD_TIMEOUT:-120} s):" >&2
		_prometheus_log_tail "$_dir/promtool.log"
		return 1
	fi
}

# Port 0 lets the kernel choose a free port (no window in which another
# process could take the one we picked); Prometheus logs the one it got.
prometheus_start() {
	_dir=$1
	PROMETHEUS_PORT= PROMETHEUS_URL=
	printf 'global:\n  scrape_interval: 1h\n' >"$_dir/prometheus.yml" || return 1
	# A long retention: the blocks lie at a fixed date that may be long past.
	timeout -k 5 "${PROMETHEUS_LIFETIME:-900}" prometheus \
		--config.file="$_dir/prometheus.yml" --storage.tsdb.path="$_dir/tsdb" \
		--storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:0 \
		>"$_dir/prometheus.log" 2>&1 &
	PROMETHEUS_PID=$!
	_deadline=$(( $(date +%s) + ${PROMETHEUS_START_TIMEOUT:-30} ))
	while :; do
		if ! _prometheus_running; then
			echo "prometheus: the server exited before it was ready; its log ends:" >&2
			_prometheus_log_tail "$_dir/prometheus.log"
			wait "$PROMETHEUS_PID" 2>/dev/null
			PROMETHEUS_PID= PROMETHEUS_PORT=
			return 1
		fi
		if [ -z "$PROMETHEUS_PORT" ]; then
			PROMETHEUS_PORT=$(sed -n 's/.*msg="Listening on".*address=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
				"$_dir/prometheus.log" | head -n 1)
		fi
		if [ -n "$PROMETHEUS_PORT" ] &&
		   curl -s -m 2 "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 2>/dev/null | grep -qi ready; then
			PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
			return 0
		fi
		if [ "$(date +%s)" -ge "$_deadline" ]; then
			if [ -z "$PROMETHEUS_PORT" ]; then
				echo "prometheus: not listening after ${PROMETHEUS_START_TIMEOUT:-30} s (no 'Listening on' line in its log); its log ends:" >&2
			else
				echo "prometheus: not ready on 127.0.0.1:$PROMETHEUS_PORT after ${PROMETHEUS_START_TIMEOUT:-30} s; its log ends:" >&2
			fi
			_prometheus_log_tail "$_dir/prometheus.log"
			prometheus_stop
			return 1
		fi
		sleep 0.2
	done
}

# A child that has exited stays a zombie until the shell reaps it, and
# kill -0 still reaches a zombie: look at its state as well.
_prometheus_running() {
	kill -0 "$PROMETHEUS_PID" 2>/dev/null &&
		! grep -q ') Z ' "/proc/$PROMETHEUS_PID/stat" 2>/dev/null
}

prometheus_stop() {
	[ -n "$PROMETHEUS_PID" ] || return 0
	# timeout(1) passes the TERM on to Prometheus, KILLs it 5 s later if
	# need be, and exits with it; should even that fail within 10 s, KILL
	# timeout's own process group, which Prometheus belongs to.
	kill "$PROMETHEUS_PID" 2>/dev/null
	_i=0
	while _prometheus_running && [ "$_i" -lt 50 ]; do
		sleep 0.2; _i=$((_i + 1))
	done
	if _prometheus_running; then
		kill -KILL "-$PROMETHEUS_PID" 2>/dev/null || kill -KILL "$PROMETHEUS_PID" 2>/dev/null
	fi
	wait "$PROMETHEUS_PID" 2>/dev/null
	PROMETHEUS_PID= PROMETHEUS_PORT= PROMETHEUS_URL=
	return 0
}
