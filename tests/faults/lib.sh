# What the fault tests share (sourced, not run, after tests/deliver/lib.sh or
# tests/event/lib.sh): the fault-injecting proxy (tests/fakes/faults.js) and
# the duplicate check over GitHub's fake ($GH).
#
#   start_faults NAME TARGET [KINDS]   a proxy in front of TARGET, its URL in $PROXY
#   set_faults SEED RATE URL...        each proxy draws from its own sequence of SEED, RATE percent
#   injected                           how many faults all proxies injected so far
#   duplicates                         what GitHub holds twice, one line each (nothing: none)
export AUTOFIX_HTTP_TIMEOUT=2s

start_faults() {
	start_server "$1" node "$TEST_DATA_DIR/fakes/faults.js" "$TMP/$1.port" "$2" 0 0 "$TMP/faults.log" ${3:+"$3"}
	[ -n "$SERVER_PORT" ] || { echo "Bail out! the proxy $1 did not start"; exit 1; }
	PROXY=http://127.0.0.1:$SERVER_PORT
}
set_faults() {
	_seed=$1 _rate=$2 _i=0; shift 2
	for _p in "$@"; do
		_i=$((_i + 1))
		curl -s -m 5 -X POST -d "{\"seed\":$((_seed * 16 + _i)),\"rate\":$((_rate))e-2}" "$_p/_faults/set" >/dev/null
	done
}
injected() { [ -f "$TMP/faults.log" ] && wc -l <"$TMP/faults.log" | tr -d ' ' || echo 0; }
duplicates() {
	curl -s -m 5 "$GH/_fake/state" >"$TMP/dup.json" || { echo "cannot read the fake's state"; return; }
	node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1]));
const seen = new Map(), dup = (k) => { seen.set(k, (seen.get(k) || 0) + 1); if (seen.get(k) === 2) console.log(k); };
for (const p of s.pulls || []) { dup(`pr head ${p.head}`); const m = /autofix:pr:([0-9a-f]{16})/.exec(p.body || ""); if (m) dup(`pr of ${m[1]}`); }
for (const i of (s.issues || []).filter((i) => !i.pull)) dup(`issue ${i.title}`);
for (const c of s.comments || []) { dup(`comment on #${c.issue}: ${(c.body || "").slice(0, 200)}`); const m = /<!-- (autofix:[a-z]+:[^ ]+) -->/.exec(c.body || ""); if (m) dup(`comment on #${c.issue} marked ${m[1]}`); }
for (const l of s.labels || []) dup(`label ${l.name || l}`);
for (const i of [...(s.pulls || []), ...(s.issues || [])]) { const ls = (i.labels || []).map((l) => l.name || l); if (new Set(ls).size !== ls.length) console.log(`labels twice on #${i.number}`); }
' "$TMP/dup.json"
}
