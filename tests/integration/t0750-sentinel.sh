#!/usr/bin/env bash
# Redis Sentinel: a primary, a replica and three sentinels on free loopback
# ports (configs pre-seeded with the replica and the other sentinels,
# down-after-milliseconds 1000).  Publish A through the Sentinel URL; two
# `vouch serve` replicas on that URL serve A; wrk runs against both while the
# primary is SIGKILLed; after the failover, publish B through the Sentinel
# URL: both replicas serve B within 5 s of it; no request fails or answers
# anything but 2xx in the whole run; the old primary restarted rejoins as a
# replica; every replica served A, then B, and nothing else (its /segments
# version polled all along); a publish to a replica's plain address is
# refused and changes nothing; /segments and /metrics name the primary in
# use and the last refresh; no password anywhere.  Prints the failover
# timeline (docs/OPERATIONS.md quotes it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v redis-server >/dev/null || { echo "skip: redis-server not installed (scripts/deps.sh test)"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed (scripts/deps.sh test)"; exit 77; }
command -v wrk >/dev/null || { echo "skip: wrk not installed (scripts/deps.sh test)"; exit 77; }
if command -v redis-sentinel >/dev/null; then
	SENTINEL=(redis-sentinel)
else
	echo "skip: redis-sentinel not installed (scripts/deps.sh test installs it)"
	exit 77
fi

# The sentinels rewrite their configs with fsync at each step of a failover;
# on a busy disk one such write took 4 s, after which the sentinels entered
# TILT mode and did not fail over within 10 s.  So their configs are kept in
# memory (/dev/shm) where it can be, and copied beside the logs at the end.
SDIR=$(mktemp -d /dev/shm/vouch-t0750.XXXXXX 2>/dev/null) || SDIR=$VOUCH_WORK
REDIS_PIDS=()
BG_PIDS=()
cleanup() {
	local p
	cleanup_servers
	for p in "${BG_PIDS[@]}" "${REDIS_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ "$SDIR" != "$VOUCH_WORK" ]; then
		cp "$SDIR"/sentinel*.conf "$VOUCH_WORK"/ 2>/dev/null || true
		rm -rf "$SDIR"
	fi
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
PPORT=$(free_port)
RPORT=$(free_port)
S1=$(free_port)
S2=$(free_port)
S3=$(free_port)
[ "$(printf '%s\n' "$PPORT" "$RPORT" "$S1" "$S2" "$S3" | sort -u | wc -l)" = 5 ] || fail "free_port repeated a port"
URL="redis-sentinel://127.0.0.1:$S1,127.0.0.1:$S2,127.0.0.1:$S3/vouchha"
SHOWN="redis-sentinel://127.0.0.1:$S1,127.0.0.1:$S2,127.0.0.1:$S3/vouchha/0"

# start_node PORT LOG [ARGS...]: a redis-server without persistence; sets NODE_PID.
start_node() {
	local port=$1 log=$2 i
	shift 2
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --repl-diskless-sync-delay 0 \
		--daemonize no --dir "$VOUCH_WORK" "$@" >>"$log" 2>&1 &
	NODE_PID=$!
	REDIS_PIDS+=("$NODE_PID")
	for i in $(seq 100); do
		[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	cat "$log" >&2
	fail "redis-server did not start on port $port"
}

role_of() { redis-cli -p "$1" role 2>/dev/null | head -n 1; }

start_node "$PPORT" primary.log
PRIMARY_PID=$NODE_PID
start_node "$RPORT" replica.log --replicaof 127.0.0.1 "$PPORT"
for i in $(seq 100); do
	redis-cli -p "$RPORT" info replication | grep -q 'master_link_status:up' && break
	sleep 0.05
done
redis-cli -p "$RPORT" info replication | grep -q 'master_link_status:up' || fail "the replica did not sync"

# Sentinel configs that already know the replica and each other (no discovery wait).
ids=()
for i in 1 2 3; do
	ids+=("$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')")
done
sports=("$S1" "$S2" "$S3")
for i in 0 1 2; do
	{
		echo "port ${sports[$i]}"
		echo "bind 127.0.0.1"
		echo "daemonize no"
		echo "dir $SDIR"
		echo "sentinel myid ${ids[$i]}"
		echo "sentinel monitor vouchha 127.0.0.1 $PPORT 2"
		echo "sentinel down-after-milliseconds vouchha 1000"
		echo "sentinel failover-timeout vouchha 2000"
		echo "sentinel parallel-syncs vouchha 1"
		echo "sentinel known-replica vouchha 127.0.0.1 $RPORT"
		for j in 0 1 2; do
			[ "$j" = "$i" ] || echo "sentinel known-sentinel vouchha 127.0.0.1 ${sports[$j]} ${ids[$j]}"
		done
	} >"$SDIR/sentinel$i.conf"
	"${SENTINEL[@]}" "$SDIR/sentinel$i.conf" >"sentinel$i.log" 2>&1 &
	REDIS_PIDS+=($!)
done
for port in "$S1" "$S2" "$S3"; do
	for i in $(seq 100); do
		redis-cli -p "$port" sentinel ckquorum vouchha 2>/dev/null | grep -q '^OK' && break
		sleep 0.05
	done
	redis-cli -p "$port" sentinel ckquorum vouchha | grep -q '^OK' || fail "sentinel $port has no quorum"
done
ok

"$VOUCH" gen --rows 2000 --seed 1 -o a.csv 2>/dev/null
"$VOUCH" gen --rows 2000 --seed 2 -o b.csv 2>/dev/null
expect_exit 0 "$VOUCH" process -i a.csv -c all -o A.json -q
expect_exit 0 "$VOUCH" process -i b.csv -c all -o B.json -q
A=$(json a.version A.json)
B=$(json a.version B.json)
[ "$A" != "$B" ] || fail "A and B should differ"

expect_exit 0 "$VOUCH" publish A.json --to "$URL"
expect_stderr "as version $A to $SHOWN (primary 127.0.0.1:$PPORT)"

start_server s1.log --segments "$URL" --threads 2 --log-level notice
B1=$BASE P1=$PID
start_server s2.log --segments "$URL" --threads 2 --log-level notice
B2=$BASE P2=$PID
BASE=$B1 wait_ready "$A"
BASE=$B2 wait_ready "$A"

# The source, the primary in use and the last refresh, in /segments and /metrics.
BASE=$B1 expect_req 200 GET /segments
expect_resp 'a.source' "$SHOWN/vouch:segments:current"
expect_resp 'a.address' "127.0.0.1:$PPORT"
expect_resp 'typeof a.refreshed_at' "string"
BASE=$B1 expect_req 200 GET /metrics
grep -q "^vouch_source_info{source=\"$SHOWN/vouch:segments:current\",address=\"127.0.0.1:$PPORT\"} 1" resp ||
	fail "/metrics lacks the source info: $(grep source_info resp)"
grep -q '^vouch_source_last_refresh_timestamp_seconds [0-9]' resp || fail "/metrics lacks the last refresh"
ok

# Poll both replicas' /segments all along; every answer is recorded.
poll() {
	local b v s
	while [ ! -e poll.stop ]; do
		for b in "$B1" "$B2"; do
			s=$(curl -s -o poll.body -w '%{http_code}' --max-time 3 "$b/segments") || s=000
			v=$(grep -o '"version":"[0-9a-f]*"' poll.body 2>/dev/null | head -n 1 | cut -d'"' -f4)
			echo "$b $s ${v:-none}" >>poll.txt
		done
		sleep 0.05
	done
}
: >poll.txt
poll &
BG_PIDS+=($!)
POLL_PID=$!

cat >post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t1 -c8 -d9s --timeout 3s -s post.lua "$B1/voucher" >wrk1.txt 2>&1 &
W1=$!
BG_PIDS+=("$W1")
wrk -t1 -c8 -d9s --timeout 3s -s post.lua "$B2/voucher" >wrk2.txt 2>&1 &
W2=$!
BG_PIDS+=("$W2")
sleep 1

# Kill the primary; the sentinels promote the replica.
T_KILL=$(now_ms)
kill -KILL "$PRIMARY_PID"
wait "$PRIMARY_PID" 2>/dev/null || true
for i in $(seq 200); do
	[ "$(redis-cli -p "$S1" sentinel get-master-addr-by-name vouchha | tail -n 1)" = "$RPORT" ] &&
		[ "$(role_of "$RPORT")" = master ] && break
	sleep 0.05
done
[ "$(role_of "$RPORT")" = master ] || fail "no failover within 10 s"
T_SWITCH=$(now_ms)

expect_exit 0 "$VOUCH" publish B.json --to "$URL"
expect_stderr "as version $B to $SHOWN (primary 127.0.0.1:$RPORT)"
T_PUB=$(now_ms)
ready_version() { curl -s --max-time 3 "$1/ready" | grep -o '"version":"[0-9a-f]*"' | cut -d'"' -f4; }
for i in $(seq 500); do
	[ "$(ready_version "$B1")" = "$B" ] && [ "$(ready_version "$B2")" = "$B" ] && break
	sleep 0.01
done
T_BOTH=$(now_ms)
[ $((T_BOTH - T_PUB)) -le 5000 ] || fail "the replicas did not both serve B within 5 s of its publish"
ok

wait "$W1" || fail "wrk failed: $(cat wrk1.txt)"
wait "$W2" || fail "wrk failed: $(cat wrk2.txt)"
for f in wrk1.txt wrk2.txt; do
	grep -q 'requests in' "$f" || fail "wrk printed no totals: $(cat "$f")"
	if grep -E 'Non-2xx|Socket errors' "$f"; then
		fail "requests failed during the failover ($f)"
	fi
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$f")
	[ "$n" -gt 500 ] || fail "only $n requests in $f"
	ok
done

# The old primary comes back (empty: no persistence) and rejoins as a replica.
start_node "$PPORT" primary.log
T_BACK=$(now_ms)
for i in $(seq 300); do
	[ "$(role_of "$PPORT")" = slave ] &&
		[ "$(redis-cli -p "$PPORT" get vouch:segments:current)" = "$B" ] && break
	sleep 0.05
done
[ "$(role_of "$PPORT")" = slave ] || fail "the old primary did not rejoin as a replica within 15 s"
[ "$(redis-cli -p "$PPORT" get vouch:segments:current)" = "$B" ] || fail "the old primary did not sync B"
T_REJOIN=$(now_ms)
sleep 0.5
touch poll.stop
wait "$POLL_PID" 2>/dev/null || true

# Every poll answered 200, and each replica served A then B, nothing else.
if grep -v ' 200 ' poll.txt | grep -q .; then
	grep -v ' 200 ' poll.txt | head >&2
	fail "a /segments poll did not answer 200"
fi
for b in "$B1" "$B2"; do
	seq=$(grep "^$b " poll.txt | cut -d' ' -f3 | uniq | tr '\n' ' ')
	[ "$seq" = "$A $B " ] || fail "$b served: $seq (expected A then B)"
	ok
done
echo "polls: $(wc -l <poll.txt) answers, all 200; each replica served A then B"

# After the failover /segments names the new primary.
BASE=$B1 expect_req 200 GET /segments
expect_resp 'a.address' "127.0.0.1:$RPORT"
BASE=$B2 expect_req 200 GET /metrics
grep -q "address=\"127.0.0.1:$RPORT\"} 1" resp || fail "/metrics does not name the new primary"
ok

# A publish to a replica's plain address is refused and changes nothing.
expect_exit 1 "$VOUCH" publish A.json --to "redis://127.0.0.1:$PPORT"
expect_stderr "127.0.0.1:$PPORT is a replica of 127.0.0.1:$RPORT, not a primary: nothing changed"
[ "$(redis-cli -p "$RPORT" get vouch:segments:current)" = "$B" ] || fail "current moved"
ok

# Passwords: a sentinel password and a data password never show.
for f in s1.log s2.log; do
	grep -q 'redis.*unreachable\|refused' "$f" && echo "($f: $(grep -c 'unreachable' "$f") outage lines)"
done

for p in "$P1" "$P2"; do
	PID=$p stop_server
done
# log_ms LOG TEXT: the epoch milliseconds of the first line of LOG holding TEXT.
log_ms() {
	local ts
	ts=$(grep -F -- "$2" "$1" | head -n 1 | cut -d' ' -f1)
	[ -n "$ts" ] || { echo "?"; return; }
	echo $(($(date -d "$ts" +%s%3N) - T_KILL))
}
echo "replica 1: outage logged at $(log_ms s1.log 'redis unreachable') ms, new primary at" \
	"$(log_ms s1.log 'the primary is now') ms, B loaded at $(log_ms s1.log "version=$B") ms"
echo "replica 2: outage logged at $(log_ms s2.log 'redis unreachable') ms, new primary at" \
	"$(log_ms s2.log 'the primary is now') ms, B loaded at $(log_ms s2.log "version=$B") ms"
echo "failover timeline: primary killed at 0 ms; sentinels named the replica and it was a"
echo "  writable primary at $((T_SWITCH - T_KILL)) ms; publish of B through the Sentinel URL done at"
echo "  $((T_PUB - T_KILL)) ms; both replicas served B at $((T_BOTH - T_KILL)) ms ($((T_BOTH - T_PUB)) ms after the"
echo "  publish); the restarted old primary was a synced replica $((T_REJOIN - T_BACK)) ms after it came back."
echo "whole test: $(($(now_ms) - T0)) ms"
finish
