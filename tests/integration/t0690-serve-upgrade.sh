#!/usr/bin/env bash
# A binary upgrade with no downtime: `vouch serve` started from bin/vouch
# (a copy of the binary under test) is kept busy by wrk while a second copy
# is moved over bin/vouch and the server gets SIGUSR2.  The new binary takes
# the listening sockets, says it is ready, and the old one drains and exits
# 0.  Over the whole wrk run: 0 connect, read, write or timeout errors and 0
# non-2xx answers; afterwards the new process (running the new file) answers
# and the old one is gone.  Also: a new binary that fails to start leaves
# the old one serving; a plain second `vouch serve` on the port is refused;
# a server started with sockets handed in (LISTEN_FDS, as systemd's socket
# activation does) serves on them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v wrk >/dev/null || { echo "skip: wrk not installed (apt-get install wrk runs this test)"; exit 77; }

"$VOUCH" gen --rows 5000 -o a.csv --seed 1
expect_exit 0 "$VOUCH" process -q -c all -i a.csv -o segments.json
A=$(json 'a.version' segments.json)
mkdir -p bin
cp "$VOUCH" bin/vouch

# wait_gone PID SECONDS: PID has exited within SECONDS.
wait_gone() {
	local i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# wait_log TEXT SECONDS: serve.log has a line with TEXT within SECONDS.
wait_log() {
	local i
	for i in $(seq $(($2 * 10))); do
		grep -qF -- "$1" serve.log && return 0
		sleep 0.1
	done
	cat serve.log >&2
	fail "no '$1' in the log within $2 s"
}

# The service manager's notification socket (sd_notify(3), as systemd reads
# it with Type=notify): one line per datagram in notify.log.
cat >notify.py <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().strip().replace("\n", " ") + "\n")
        out.flush()
PY
: >notify.log
/usr/bin/python3 notify.py "$PWD/notify.sock" notify.log &
SERVER_PIDS+=("$!")
for i in $(seq 50); do [ -S notify.sock ] && break; sleep 0.1; done
[ -S notify.sock ] || fail "the notification socket did not appear"

NOTIFY_SOCKET=$PWD/notify.sock VOUCH=$PWD/bin/vouch start_server serve.log --segments segments.json \
	--threads 2 --log-level notice
OLD=$PID
wait_ready "$A"

# A second server on the same port is refused: taking over is explicit.
expect_exit 1 "$VOUCH" serve --host 127.0.0.1 --port "$PORT" --segments segments.json
expect_stderr "Address already in use"

# A new binary that fails leaves the old one serving.
cat >bin/vouch.new <<'SH'
#!/bin/sh
echo "broken binary" >&2
exit 3
SH
chmod +x bin/vouch.new
mv bin/vouch.new bin/vouch
kill -USR2 "$OLD"
wait_log "exited 3 before it was ready; still serving" 30
kill -0 "$OLD" || fail "the old server died after a failed upgrade"
expect_req 200 GET /ready
ok

# The upgrade under load.
cat >post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c32 -d120s --timeout 5s -s post.lua "$BASE/voucher" >wrk.txt 2>&1 &
WRK_PID=$!
SERVER_PIDS+=("$WRK_PID")
sleep 1
cp "$VOUCH" bin/vouch.new
mv bin/vouch.new bin/vouch
kill -USR2 "$OLD"
wait_log "is ready and accepting; draining" 60
NEW=$(sed -n 's/.*upgrade: started .* as pid \([0-9]*\) with .*/\1/p' serve.log | tail -n 1)
[ -n "$NEW" ] || fail "no pid of the new binary in the log"
SERVER_PIDS+=("$NEW")
wait_gone "$OLD" 20 || fail "the old server did not exit within 20 s of the upgrade"
rc=0
wait "$OLD" || rc=$?
[ "$rc" -eq 0 ] || { cat serve.log >&2; fail "the old server exited $rc after the upgrade"; }
ok
# One more second of load on the new process alone, then wrk prints its totals.
sleep 1
kill -0 "$WRK_PID" 2>/dev/null || fail "wrk ended early: $(cat wrk.txt)"
kill -INT "$WRK_PID"
wait "$WRK_PID" || fail "wrk failed: $(cat wrk.txt)"
cat wrk.txt
grep -q 'requests in' wrk.txt || fail "wrk printed no totals: $(cat wrk.txt)"
if grep -E 'Non-2xx|Socket errors' wrk.txt; then
	cat serve.log >&2
	fail "requests failed during the upgrade"
fi
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' wrk.txt)
[ "$n" -gt 100 ] || fail "only $n requests"
ok

# The new process runs the new file (the old one's was replaced: "(deleted)").
kill -0 "$NEW" || fail "the new server is not running"
exe=$(readlink "/proc/$NEW/exe")
[ "$exe" = "$PWD/bin/vouch" ] || fail "the new server runs '$exe', not $PWD/bin/vouch"
ok
# systemd would follow the new process: READY=1 and its MAINPID, and no STOPPING=1 from the old.
grep -qx "READY=1 MAINPID=$OLD" notify.log || fail "no READY=1 of the old server: $(cat notify.log)"
grep -qx "READY=1 MAINPID=$NEW" notify.log || fail "no READY=1 of the new server: $(cat notify.log)"
! grep -q STOPPING notify.log || fail "the old server told the service manager it was stopping"
ok
grep -q "listening on 127.0.0.1:$PORT (2 threads, segments segments.json; 2 listening sockets handed in)" serve.log ||
	fail "the new server did not log its handed-in sockets"
ok
expect_req 200 GET /ready
expect_resp 'a.version' "$A"
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
echo "upgrade: $n requests under wrk -t2 -c32, 0 failed; old pid $OLD exited 0, new pid $NEW serves"

# The new server stops as usual (it is no child of this shell: no exit code to read).
kill -TERM "$NEW"
wait_gone "$NEW" 15 || fail "the new server did not stop within 15 s of SIGTERM"
ok
grep -q "notice stopped" serve.log || fail "no 'stopped' line"
ok
# Its exit code cannot be read here, so a sanitizer's report is looked for (make asan).
if grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" serve.log; then
	fail "a sanitizer reported an error (serve.log)"
fi
ok

# Socket activation: LISTEN_FDS sockets replace --host and --port.
if command -v systemd-socket-activate >/dev/null; then
	p=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$p" "$VOUCH" serve --port 1 --segments segments.json \
		--log-level notice 2>activate.log &
	ACT=$!
	SERVER_PIDS+=("$ACT")
	# systemd-socket-activate listens first ("Listening on ...") and starts vouch
	# at the first connection, which waits in the socket's queue meanwhile:
	# then one patient request, not the OpenAPI-checked polls of wait_ready.
	for i in $(seq 100); do grep -q "^Listening on" activate.log && break; sleep 0.1; done
	grep -q "^Listening on" activate.log || { cat activate.log >&2; fail "systemd-socket-activate did not listen"; }
	got=$(curl -s --max-time 60 "http://127.0.0.1:$p/ready") || fail "no answer on the activated socket"
	[ "$(printf '%s' "$got" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).version))')" = "$A" ] ||
		fail "the activated server answered '$got'"
	ok
	grep -q "listening on 127.0.0.1:$p (.*1 listening socket handed in)" activate.log ||
		{ cat activate.log >&2; fail "no handed-in socket in the log"; }
	ok
	kill -TERM "$ACT"
	rc=0
	wait "$ACT" || rc=$?
	[ "$rc" -eq 0 ] || fail "the socket-activated server exited $rc"
	ok
else
	echo "note: systemd-socket-activate not installed; socket activation not checked"
fi

# Malformed hand-overs are usage errors.
# (LISTEN_PID must be the server's own pid: bash execs it in place.)
expect_exit 2 bash -c 'LISTEN_PID=$$ LISTEN_FDS=abc exec "$0" serve --segments segments.json' "$VOUCH"
expect_stderr "LISTEN_FDS must be a number from 1 to 256, not 'abc'"
expect_exit 2 bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --segments segments.json 3<segments.json' "$VOUCH"
expect_stderr "descriptor 3 is not a listening stream socket"
finish
