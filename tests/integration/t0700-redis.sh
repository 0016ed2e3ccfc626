#!/usr/bin/env bash
# Segments in Redis: a real redis-server on a free loopback port, two
# `vouch serve --segments redis://...` replicas.  A publish reaches both
# within 2 s; killing Redis under load fails no request and /ready stays 200;
# after a restart a new publish reaches both; rollback; the keep policy; a
# corrupt or mismatched value is refused while the old version serves;
# `vouch publish` names the server (never the password) when it fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v redis-server >/dev/null || { echo "skip: redis-server not installed"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed"; exit 77; }
command -v wrk >/dev/null || { echo "skip: wrk not installed"; exit 77; }

REDIS_PID=
cleanup() {
	cleanup_servers
	[ -z "$REDIS_PID" ] || kill -KILL "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT


RPORT=$(free_port)
URL="redis://127.0.0.1:$RPORT"
rcli() { redis-cli -p "$RPORT" "$@"; }

start_redis() {
	local i
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --dir "$VOUCH_WORK" >>redis.log 2>&1 &
	REDIS_PID=$!
	for i in $(seq 100); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	cat redis.log >&2
	fail "redis-server did not start on port $RPORT"
}

# Three artifacts with different versions.
for n in 1 2 3 4; do
	"$VOUCH" gen --rows 3000 --seed "$n" -o "o$n.csv" 2>/dev/null
	expect_exit 0 "$VOUCH" process -i "o$n.csv" -c all -o "v$n.json" -q
	eval "v$n=\$(json a.version v$n.json)"
done
[ "$v1" != "$v2" ] && [ "$v2" != "$v3" ] && [ "$v3" != "$v4" ] || fail "the artifacts should differ"

start_redis

# Two replicas before anything is published: not ready.
start_server r1.log --segments "$URL" --threads 2 --log-level notice
B1=$BASE P1=$PID
start_server r2.log --segments "$URL" --threads 2 --log-level notice
B2=$BASE P2=$PID
BASE=$B1 expect_req 503 GET /ready
BASE=$B2 expect_req 503 GET /ready

# version_of BASE: the version /ready answers, or the status.
version_of() {
	local s
	s=$(curl -s -o ready.json -w '%{http_code}' --max-time 5 "$1/ready") || true
	if [ "$s" = 200 ]; then json a.version ready.json; else echo "status-$s"; fi
}

# both_serve VERSION SECONDS: both replicas answer VERSION within SECONDS.
both_serve() {
	local want=$1 limit=$2 t0 now
	t0=$(date +%s%N)
	while :; do
		if [ "$(version_of "$B1")" = "$want" ] && [ "$(version_of "$B2")" = "$want" ]; then
			now=$(date +%s%N)
			echo "both replicas serve ${want:0:12} after $(((now - t0) / 1000000)) ms"
			ok
			return 0
		fi
		now=$(date +%s%N)
		[ $(((now - t0) / 1000000)) -lt $((limit * 1000)) ] ||
			fail "replicas serve $(version_of "$B1") and $(version_of "$B2"), not $want, after $limit s"
		sleep 0.02
	done
}

expect_exit 0 "$VOUCH" publish v1.json --to "$URL"
expect_stderr "as version $v1 to redis://127.0.0.1:$RPORT/0"
both_serve "$v1" 2
[ "$(rcli get vouch:segments:current)" = "$v1" ] || fail "current is not $v1"
ok

# GET /segments and /metrics name the source.
BASE=$B1 expect_req 200 GET /segments
expect_resp 'a.source' "redis://127.0.0.1:$RPORT/0/vouch:segments:current"
expect_resp 'a.version' "$v1"
BASE=$B1 expect_req 200 GET /metrics
grep -q "^vouch_artifact_info{version=\"$v1\",.*source=\"redis://127.0.0.1:$RPORT/0/vouch:segments:current\"} 1" resp ||
	fail "/metrics does not name the redis source: $(grep artifact_info resp)"
ok

# A new version reaches both within 2 s.
expect_exit 0 "$VOUCH" publish v2.json --to "$URL"
both_serve "$v2" 2

# Kill Redis under load: no request fails, /ready stays 200 with v2.
cat >post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t1 -c16 -d3s --timeout 3s -s post.lua "$B1/voucher" >wrk1.txt 2>&1 &
w1=$!
wrk -t1 -c16 -d3s --timeout 3s -s post.lua "$B2/voucher" >wrk2.txt 2>&1 &
w2=$!
sleep 0.5
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=
for i in $(seq 10); do
	[ "$(version_of "$B1")" = "$v2" ] || fail "replica 1 /ready: $(version_of "$B1") with Redis down"
	[ "$(version_of "$B2")" = "$v2" ] || fail "replica 2 /ready: $(version_of "$B2") with Redis down"
	sleep 0.1
done
ok
wait "$w1" || fail "wrk failed: $(cat wrk1.txt)"
wait "$w2" || fail "wrk failed: $(cat wrk2.txt)"
for f in wrk1.txt wrk2.txt; do
	grep -q 'requests in' "$f" || fail "wrk printed no totals: $(cat "$f")"
	if grep -E 'Non-2xx|Socket errors' "$f"; then
		fail "requests failed while Redis was down ($f)"
	fi
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$f")
	[ "$n" -gt 1000 ] || fail "only $n requests in $f"
	ok
done
# One warning per outage, however many retries.
sleep 1
for log in r1.log r2.log; do
	n=$(grep -c 'redis unreachable, still serving' "$log" || true)
	[ "$n" = 1 ] || { cat "$log" >&2; fail "$log has $n outage warnings, expected 1"; }
	ok
done

# Redis returns (empty: no persistence); a new publish reaches both.
start_redis
expect_exit 0 "$VOUCH" publish v3.json --to "$URL"
both_serve "$v3" 5
for log in r1.log r2.log; do
	grep -q "redis redis://127.0.0.1:$RPORT/0 reachable again" "$log" || fail "$log: no notice of the reconnection"
	ok
done
expect_exit 0 "$VOUCH" publish v1.json --to "$URL"
both_serve "$v1" 2

# Rollback to a stored version.
expect_exit 0 "$VOUCH" publish --rollback "$v3" --to "$URL"
expect_stderr "rolled back redis://127.0.0.1:$RPORT/0/vouch:segments:current to version $v3"
both_serve "$v3" 2
[ "$(rcli get vouch:segments:current)" = "$v3" ] || fail "current is not $v3 after the rollback"
ok
expect_exit 1 "$VOUCH" publish --rollback "$v4" --to "$URL"
expect_stderr "vouch:segments:$v4 does not exist"
expect_exit 2 "$VOUCH" publish --rollback nothex --to "$URL"

# A corrupt value under a version key, current pointed at it: refused, v3 serves.
bad=$(printf 'e%.0s' $(seq 64))
rcli set "vouch:segments:$bad" '{"format":"vouch-segments/1","version":"x"' >/dev/null
rcli set vouch:segments:current "$bad" >/dev/null
rcli publish vouch:segments "$bad" >/dev/null
for log in r1.log r2.log; do
	for i in $(seq 100); do
		grep -q "reload (published) refused, still serving $v3: redis://127.0.0.1:$RPORT/0/vouch:segments:$bad" "$log" && break
		sleep 0.05
	done
	grep -q "refused, still serving $v3: redis://127.0.0.1:$RPORT/0/vouch:segments:$bad" "$log" ||
		{ cat "$log" >&2; fail "$log: the corrupt value was not refused"; }
	ok
done
[ "$(version_of "$B1")" = "$v3" ] && [ "$(version_of "$B2")" = "$v3" ] || fail "a replica left $v3"
ok
BASE=$B1 expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
BASE=$B1 expect_req 200 GET /metrics
failed=$(sed -n 's/^vouch_reloads_total{result="failed"} //p' resp)
[ "$failed" -ge 1 ] || fail "the refusal was not counted"
ok
# The periodic check does not log the same refusal again; SIGHUP retries it.
sleep 3.5
n=$(grep -c "vouch:segments:$bad" r1.log)
[ "$n" = 1 ] || fail "r1.log logs the refusal $n times, expected once"
ok
kill -HUP "$P1"
for i in $(seq 100); do
	grep -q "reload (SIGHUP) refused" r1.log && break
	sleep 0.05
done
grep -q "reload (SIGHUP) refused" r1.log || fail "SIGHUP did not fetch current again"
ok

# A valid artifact under another version's key is refused too.
rcli -x set "vouch:segments:$v4" <v2.json >/dev/null
rcli set vouch:segments:current "$v4" >/dev/null
rcli publish vouch:segments "$v4" >/dev/null
for i in $(seq 100); do
	grep -q "holds version $v2, not the one its key names" r2.log && break
	sleep 0.05
done
grep -q "holds version $v2, not the one its key names" r2.log || fail "a mismatched value was not refused"
[ "$(version_of "$B2")" = "$v3" ] || fail "replica 2 left $v3"
ok
# Rolling back to a corrupt value is refused before current moves.
rcli set vouch:segments:current "$v3" >/dev/null
expect_exit 1 "$VOUCH" publish --rollback "$bad" --to "$URL"
expect_stderr "vouch:segments:$bad"
[ "$(rcli get vouch:segments:current)" = "$v3" ] || fail "a refused rollback moved current"
ok
# So is publishing a broken file.
head -c 200 v4.json >broken.json
expect_exit 1 "$VOUCH" publish broken.json --to "$URL"
expect_stderr "broken.json"

# Keep policy: the newest N by publish time stay, the rest are deleted.
rcli del "vouch:segments:$bad" "vouch:segments:$v4" >/dev/null
expect_exit 0 "$VOUCH" publish v2.json --to "$URL" --keep 2
expect_exit 0 "$VOUCH" publish v4.json --to "$URL" --keep 2
expect_stderr "removed"
both_serve "$v4" 2
[ "$(rcli zcard vouch:segments:versions)" = 2 ] || fail "versions: $(rcli zrange vouch:segments:versions 0 -1)"
[ "$(rcli exists "vouch:segments:$v4" "vouch:segments:$v2" "vouch:segments:$v1" "vouch:segments:$v3")" = 2 ] ||
	fail "keys after --keep 2: $(rcli keys 'vouch:*')"
ok
expect_exit 1 "$VOUCH" publish --rollback "$v1" --to "$URL"

# A prefix of its own, and `vouch process --publish`.
VOUCH_PREFIX=blue expect_exit 0 "$VOUCH" process -i o1.csv -c all -o p.json -q --publish "$URL"
[ "$(rcli get blue:segments:current)" = "$v1" ] || fail "process --publish did not publish under blue:"
[ "$(rcli get vouch:segments:current)" = "$v4" ] || fail "process --publish touched vouch:"
ok
start_server r3.log --segments "$URL" --prefix blue --threads 1 --log-level notice
wait_ready "$v1"

# Failures of vouch publish: exit 1, the server named, never the password.
closed=$(free_port)
expect_exit 1 "$VOUCH" publish v1.json --to "redis://127.0.0.1:$closed"
expect_stderr "vouch publish: redis://127.0.0.1:$closed/0: cannot connect: Connection refused"
rcli config set requirepass s3cret >/dev/null
expect_exit 1 "$VOUCH" publish v1.json --to "redis://:wrongpw@127.0.0.1:$RPORT"
expect_stderr "redis://127.0.0.1:$RPORT/0: authentication failed"
grep -q wrongpw stderr && fail "the password was printed"
ok
expect_exit 1 "$VOUCH" publish v1.json --to "redis://bob:wrongpw@127.0.0.1:$RPORT/2"
expect_stderr "redis://bob@127.0.0.1:$RPORT/2: authentication failed"
grep -q wrongpw stderr && fail "the password was printed"
ok
expect_exit 1 "$VOUCH" publish v1.json --to "redis://127.0.0.1:$RPORT"
expect_stderr "NOAUTH"
expect_exit 2 "$VOUCH" publish v1.json --to "redis://:wrongpw@127.0.0.1:99999"
expect_stderr "redis://***@127.0.0.1:99999"
grep -q wrongpw stderr && fail "the password was printed"
ok
expect_exit 2 "$VOUCH" publish v1.json --to "rediss://127.0.0.1:$RPORT"
expect_stderr "TLS"
expect_exit 2 "$VOUCH" publish v1.json
expect_exit 0 "$VOUCH" publish v2.json --to "redis://:s3cret@127.0.0.1:$RPORT/0" --keep 2
# A replica with the password in its URL: never shown.
VOUCH_SEGMENTS="redis://:s3cret@127.0.0.1:$RPORT" start_server r4.log --threads 1 --log-level notice
wait_ready "$v2"
expect_req 200 GET /segments
expect_resp 'a.source' "redis://127.0.0.1:$RPORT/0/vouch:segments:current"
expect_req 200 GET /metrics
grep -q s3cret resp r4.log && fail "the password was shown"
ok

for p in "$P1" "$P2"; do
	PID=$p stop_server
done
finish
