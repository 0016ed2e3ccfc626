#!/usr/bin/env bash
# Reloads under load: wrk keeps 128, then 256, connections busy while the
# artifact is replaced on disk and SIGHUP is sent, and a broken artifact is
# refused; not one request may fail.  Then SIGTERM while a request is in
# flight: it is answered, new connections are refused, the exit code is 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v wrk >/dev/null || { echo "skip: wrk not installed"; exit 77; }

rows='timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,Testland,2018-05-01,2017-01-01,2,100
2018-06-15 11:00:00,Testland,2018-05-01,2017-01-01,3,100'
echo "$rows" >a.csv
{ echo "$rows"; echo '2018-06-15 12:00:00,Testland,2018-05-01,2017-01-01,4,100'; } >b.csv
expect_exit 0 "$VOUCH" process -i a.csv -c Testland -o a.json
expect_exit 0 "$VOUCH" process -i b.csv -c Testland -o b.json
va=$(json 'a.version' a.json)
vb=$(json 'a.version' b.json)
[ "$va" != "$vb" ] || fail "the two artifacts should differ"
head -c 300 a.json >broken.json

mkdir -p live
cp a.json live/segments.json
start_server serve.log --segments live/segments.json --threads 2 --log-level notice
wait_ready "$va"

cat >post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
wrk.headers["Content-Type"] = "application/json"
LUA

# put FILE: replaces the artifact the way a pipeline does (rename over it).
put() {
	cp "$1" live/.segments.json.tmp
	mv live/.segments.json.tmp live/segments.json
}

reloads=0
for conns in 128 256; do
	wrk -t2 -c"$conns" -d4s --timeout 5s -s post.lua "$BASE/voucher" >"wrk-$conns.txt" 2>&1 &
	wrk_pid=$!
	sleep 0.5
	for i in 1 2 3; do
		put b.json
		sleep 0.2
		put a.json
		sleep 0.2
		kill -HUP "$PID"
		sleep 0.1
		put broken.json
		sleep 0.2
		put a.json
		sleep 0.1
		reloads=$((reloads + 1))
	done
	wait "$wrk_pid" || fail "wrk failed: $(cat "wrk-$conns.txt")"
	cat "wrk-$conns.txt"
	grep -q 'requests in' "wrk-$conns.txt" || fail "wrk printed no totals"
	if grep -E 'Non-2xx|Socket errors' "wrk-$conns.txt"; then
		fail "requests failed during reloads at $conns connections"
	fi
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "wrk-$conns.txt")
	[ "$n" -gt 1000 ] || fail "only $n requests at $conns connections"
	ok
done
kill -0 "$PID" || fail "the server died"
wait_ready "$va"
req GET /metrics
ok_reloads=$(sed -n 's/^vouch_reloads_total{result="ok"} //p' resp)
failed_reloads=$(sed -n 's/^vouch_reloads_total{result="failed"} //p' resp)
[ "$ok_reloads" -ge 10 ] || fail "only $ok_reloads successful reloads counted"
[ "$failed_reloads" -ge 6 ] || fail "only $failed_reloads refused reloads counted"
grep -q 'reload (file replaced) refused, still serving' serve.log || fail "no log line for the refused artifact"
ok

# A broken artifact at SIGHUP leaves the old one serving.
put broken.json
sleep 0.3
kill -HUP "$PID"
sleep 0.3
expect_req 200 GET /ready
expect_resp 'a.version' "$va"
put b.json
wait_ready "$vb"

# SIGTERM with a request in flight.
node "$VOUCH_TESTS/tools/http-drain.mjs" "$PORT" "$PID" || fail "drain"
ok
rc=0
wait "$PID" || rc=$?
[ "$rc" -eq 0 ] || fail "vouch serve exited $rc after SIGTERM"
ok

# Issue 19: the command line wins over the environment (VOUCH_PORT=abc is
# not even read when --port is given), VOUCH_NO_WATCH=1 is --no-watch, and
# a SIGHUP that finds the version already served says so at the default
# level (info) and counts in vouch_reloads_total{result="unchanged"}.
put a.json
export VOUCH_PORT=abc VOUCH_NO_WATCH=1
start_server env.log --segments live/segments.json --threads 1
unset VOUCH_PORT VOUCH_NO_WATCH
wait_ready "$va"
kill -HUP "$PID"
for i in $(seq 100); do
	grep -q 'reload (SIGHUP): version unchanged' env.log && break
	sleep 0.05
done
grep -q "info reload (SIGHUP): version unchanged, still serving $va\$" env.log ||
	{ cat env.log >&2; fail "no info line for an unchanged SIGHUP"; }
expect_req 200 GET /metrics
grep -q '^vouch_reloads_total{result="unchanged"} 1$' resp || fail "the unchanged reload is not counted"
grep -q '^vouch_reloads_total{result="ok"} 1$' resp || fail "an unchanged reload counted as a load"
# Without the watch a replaced file waits for SIGHUP (inotify would load it at once).
put b.json
sleep 1
expect_req 200 GET /ready
expect_resp 'a.version' "$va"
kill -HUP "$PID"
wait_ready "$vb"
grep -q "loaded live/segments.json version=$vb .*(SIGHUP)" env.log ||
	{ cat env.log >&2; fail "b was not loaded by the SIGHUP"; }
ok
stop_server
export VOUCH_NO_WATCH=maybe
expect_exit 2 "$VOUCH" serve --segments live/segments.json --port 0
expect_stderr "VOUCH_NO_WATCH must be 1, true, yes, on, 0, false, no or off, not 'maybe'"
export VOUCH_NO_WATCH=0 VOUCH_PORT=abc
expect_exit 2 "$VOUCH" serve --segments live/segments.json
expect_stderr "VOUCH_PORT must be a whole number from 0 to 65535, not 'abc'"
unset VOUCH_PORT VOUCH_NO_WATCH
finish
