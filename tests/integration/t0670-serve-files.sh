#!/usr/bin/env bash
# What `vouch serve --segments PATH` finds at PATH (issue 14, items 9 and 10).
# A FIFO renamed over the artifact, or there at start, is refused with a log
# line without blocking: the old table keeps serving, a later artifact is
# loaded, SIGTERM stops the server.  An artifact reached through a swapped
# symbolic link, in the Kubernetes ConfigMap layout (..data renamed) and in
# the current -> release layout (ln -sfn, then mv -T; or ln -sfn alone), or
# the artifact itself a link re-pointed by ln -sf, is loaded on the swap's
# inotify event, without a signal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

csv() { # csv ROWS: a CSV with ROWS rows of Testland, so each artifact differs
	echo 'timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount'
	for i in $(seq "$1"); do echo "2018-06-15 10:00:00,Testland,2018-05-01,2017-01-01,$i,100"; done
}
for n in 1 2 3; do
	csv "$n" >"$n.csv"
	expect_exit 0 "$VOUCH" process -q -i "$n.csv" -c Testland -o "$n.json"
done
v1=$(json 'a.version' 1.json)
v2=$(json 'a.version' 2.json)
v3=$(json 'a.version' 3.json)

# wait_log TEXT LOG: polls LOG (10 s) until it holds TEXT.
wait_log() {
	local i
	for i in $(seq 200); do
		grep -qF -- "$1" "$2" && { ok; return 0; }
		sleep 0.05
	done
	cat "$2" >&2
	fail "$2 never logged '$1'"
}

# 1. A FIFO renamed over the artifact.
mkdir live
cp 1.json live/segments.json
start_server fifo.log --segments live/segments.json --log-level notice
wait_ready "$v1"
mkfifo live/.fifo
mv live/.fifo live/segments.json
wait_log "reload (file replaced) refused, still serving $v1: live/segments.json: it is a FIFO, not a regular file" fifo.log
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":1}'
kill -HUP "$PID"
wait_log "reload (SIGHUP) refused, still serving $v1" fifo.log
wait_ready "$v1"
# ... and a later artifact is loaded (the reload thread is not stuck in open).
cp 2.json live/.tmp
mv live/.tmp live/segments.json
wait_ready "$v2"
mkfifo live/.fifo
mv live/.fifo live/segments.json
wait_log "still serving $v2: live/segments.json: it is a FIFO" fifo.log
stop_server

# A FIFO there at start: the server starts, is not ready, and stops on SIGTERM.
start_server fifo-start.log --segments live/segments.json --log-level notice
grep -q "refused, still serving nothing: live/segments.json: it is a FIFO" fifo-start.log ||
	{ cat fifo-start.log >&2; fail "no refusal logged for a FIFO at start"; }
ok
expect_req 503 GET /ready
cp 3.json live/.tmp
mv live/.tmp live/segments.json
wait_ready "$v3"
stop_server

# 2. The Kubernetes ConfigMap layout: segments.json -> ..data/segments.json,
#    ..data -> ..TIMESTAMP; an update writes a new ..TIMESTAMP folder, points
#    ..data_tmp at it and renames ..data_tmp over ..data, then deletes the old one.
mkdir -p cm/..2026_01_01
cp 1.json cm/..2026_01_01/segments.json
ln -s ..2026_01_01 cm/..data
ln -s ..data/segments.json cm/segments.json
start_server cm.log --segments cm/segments.json --log-level notice
wait_ready "$v1"
configmap_update() { # configmap_update DIR ARTIFACT OLD-DIR
	mkdir "cm/$1"
	cp "$2" "cm/$1/segments.json"
	ln -s "$1" cm/..data_tmp
	mv -T cm/..data_tmp cm/..data
	rm -rf "cm/$3"
}
configmap_update ..2026_01_02 2.json ..2026_01_01
wait_ready "$v2"
configmap_update ..2026_01_03 3.json ..2026_01_02
wait_ready "$v3"
grep -q "loaded cm/segments.json version=$v3 .*(file replaced)" cm.log ||
	{ cat cm.log >&2; fail "the ConfigMap swap was not loaded on its event"; }
ok
stop_server

# 3. current -> release: the link swapped atomically (ln -sfn + mv -T) and, the
#    common non-atomic way, by ln -sfn alone; with an absolute --segments path.
mkdir -p rel/r1 rel/r2 rel/r3
cp 1.json rel/r1/segments.json
cp 2.json rel/r2/segments.json
cp 3.json rel/r3/segments.json
ln -s r1 rel/current
start_server rel.log --segments "$VOUCH_WORK/rel/current/segments.json" --log-level notice
wait_ready "$v1"
ln -sfn r2 rel/current.tmp
mv -T rel/current.tmp rel/current
wait_ready "$v2"
ln -sfn r3 rel/current
wait_ready "$v3"
grep -q "version=$v3 .*(file replaced)" rel.log ||
	{ cat rel.log >&2; fail "the ln -sfn swap was not loaded on its event"; }
ok
# The old release's folder is no longer watched for the artifact: a change there is not served.
cp 1.json rel/r2/.tmp
mv rel/r2/.tmp rel/r2/segments.json
# ... while one in the current release is.
cp 2.json rel/r3/.tmp
mv rel/r3/.tmp rel/r3/segments.json
wait_ready "$v2"
if grep -q "version=$v1 .*(file" rel.log; then
	fail "a change in a release no longer current was served"
fi
ok
stop_server

# 4. The artifact itself a link, re-pointed with ln -sf (a rename over it), and
#    by rm + ln -s (no IN_CLOSE_WRITE follows the IN_CREATE of its name).
mkdir -p self
cp 1.json self/v1.json
cp 2.json self/v2.json
cp 3.json self/v3.json
ln -s v1.json self/segments.json
start_server self.log --segments self/segments.json --log-level notice
wait_ready "$v1"
ln -sf v2.json self/segments.json
wait_ready "$v2"
rm self/segments.json
ln -s v3.json self/segments.json
wait_ready "$v3"
for v in "$v2" "$v3"; do
	grep -q "version=$v .*(file replaced)" self.log ||
		{ cat self.log >&2; fail "the re-pointed link was not loaded on its event"; }
done
ok
stop_server
finish
