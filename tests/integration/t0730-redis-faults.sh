#!/usr/bin/env bash
# Hostile or unlucky Redis states, each against a real redis-server on a free
# loopback port and a real `vouch serve`:
#   - 16 MiB of [0,0,...] under current's version: refused by the shape scan
#     (memory bounded, given back), in Redis and in file mode;
#   - a 20 MiB current: read 65 bytes at a time, never whole;
#   - a broken value and a flood of PUBLISH: refused once, fetched once;
#   - 30 MiB and 40 MiB messages on the channel: never buffered; the second
#     (past Redis's pub/sub buffer limit) drops the subscription, which comes
#     back quietly;
#   - Redis `timeout 2`: no outage lines;
#   - current deleted (as an eviction would): a warning and a metric;
#   - --keep 1 publishes racing the replica's reads: no failed reload;
#   - a 50 B/s link: "timed out after 5 s", a warning, SIGTERM still prompt;
#   - --max-stale 2 with Redis out of reach: /ready 503 "stale", requests 200.
# Memory figures are judged outside ASan only (its quarantine keeps freed
# memory), and printed always.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v redis-server >/dev/null || { echo "skip: redis-server not installed (scripts/deps.sh test)"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed (scripts/deps.sh test)"; exit 77; }

REDIS_PID=
PROXY_PID=
cleanup() {
	cleanup_servers
	[ -z "$PROXY_PID" ] || kill -KILL "$PROXY_PID" 2>/dev/null || true
	[ -z "$REDIS_PID" ] || kill -KILL "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT

ASAN=0
[[ "$(ldd "$VOUCH" 2>/dev/null)" == *libasan* ]] && ASAN=1
RPORT=$(free_port)
URL="redis://127.0.0.1:$RPORT"
rcli() { redis-cli -p "$RPORT" "$@"; }
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--dir "$VOUCH_WORK" >redis.log 2>&1 &
REDIS_PID=$!
for i in $(seq 100); do
	[ "$(rcli ping 2>/dev/null)" = PONG ] && break
	sleep 0.05
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || fail "redis-server did not start"

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# reset_peak PID: VmHWM starts again from the current VmRSS (Linux clear_refs 5).
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }
# logged LOG TEXT: waits up to 10 s for TEXT in LOG.
logged() {
	local i
	for i in $(seq 200); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.05
	done
	cat "$1" >&2
	fail "$1 never logged '$2'"
}

for n in 1 2 3; do
	"$VOUCH" gen --rows 2000 --seed "$n" -o "o$n.csv" 2>/dev/null
	expect_exit 0 "$VOUCH" process -i "o$n.csv" -c all -o "v$n.json" -q
	eval "v$n=\$(json a.version v$n.json)"
done
expect_exit 0 "$VOUCH" publish v1.json --to "$URL" -q
[ ! -s stderr ] || fail "publish -q printed: $(cat stderr)"
ok
start_server s.log --segments "$URL" --threads 1 --log-level notice
S=$PID SB=$BASE
wait_ready "$v1"
sleep 0.3
reset_peak "$S"
base_hwm=$(kb "$S" VmHWM)
base_rss=$(kb "$S" VmRSS)

# 16 MiB of [0,0,...] named by current: refused after one pass, memory bounded.
node -e 'process.stdout.write("[" + "0,".repeat(8388607) + "0]")' >zeros.json
bad=$(printf 'b%.0s' $(seq 64))
rcli -x set "vouch:segments:$bad" <zeros.json >/dev/null
rcli set vouch:segments:current "$bad" >/dev/null
rcli publish vouch:segments "$bad" >/dev/null
logged s.log "vouch:segments:$bad: an array of more than 100000 elements"
grep -q "refused, still serving $v1" s.log || fail "the huge value was not refused while $v1 served"
sleep 0.3
hwm=$(kb "$S" VmHWM)
rss=$(kb "$S" VmRSS)
echo "16 MiB value: VmHWM ${base_hwm} -> ${hwm} kB, VmRSS ${base_rss} -> ${rss} kB"
if [ "$ASAN" = 0 ]; then
	# The value is held twice at most (the reply, then its copy): under 3 x 16 MiB.
	[ $((hwm - base_hwm)) -lt $((48 * 1024)) ] || fail "peak memory grew by $((hwm - base_hwm)) kB"
	[ $((rss - base_rss)) -lt $((8 * 1024)) ] || fail "memory not given back: $((rss - base_rss)) kB kept"
	ok
fi
BASE=$SB expect_req 200 GET /ready
expect_resp a.version "$v1"
rcli del "vouch:segments:$bad" >/dev/null

# The same text as a file: refused at start, the server not ready, memory bounded.
start_server f.log --segments zeros.json --threads 1 --log-level notice
F=$PID
logged f.log "zeros.json: an array of more than 100000 elements"
expect_req 503 GET /ready
fhwm=$(kb "$F" VmHWM)
echo "16 MiB file: VmHWM ${fhwm} kB"
[ "$ASAN" = 1 ] || [ "$fhwm" -lt $((base_hwm + 48 * 1024)) ] || fail "file mode peak ${fhwm} kB"
stop_server

# A 20 MiB current: never read whole (65 bytes per read), refused once.
head -c $((20 << 20)) /dev/zero | tr '\0' 'c' >bigcurrent
rcli -x set vouch:segments:current <bigcurrent >/dev/null
out0=$(rcli info stats | sed -n 's/^total_net_output_bytes:\([0-9]*\).*/\1/p')
for i in 1 2 3; do
	kill -HUP "$S"
	sleep 0.2
done
logged s.log "vouch:segments:current does not hold a version (64 hex digits): it is longer"
out1=$(rcli info stats | sed -n 's/^total_net_output_bytes:\([0-9]*\).*/\1/p')
echo "20 MiB current: $((out1 - out0)) bytes sent by Redis for 3 reads"
[ $((out1 - out0)) -lt 100000 ] || fail "current was read whole ($((out1 - out0)) bytes)"
ok

# A broken value and a flood of messages: fetched once, refused once.
broken=$(printf 'e%.0s' $(seq 64))
rcli set "vouch:segments:$broken" '{"format":"vouch-segments/1"' >/dev/null
rcli set vouch:segments:current "$broken" >/dev/null
rcli config resetstat >/dev/null
for i in $(seq 3000); do echo "PUBLISH vouch:segments $broken"; done | rcli >/dev/null
logged s.log "refused, still serving $v1: redis://127.0.0.1:$RPORT/0/vouch:segments:$broken"
sleep 0.5
n=$(grep -c "vouch:segments:$broken" s.log)
[ "$n" = 1 ] || fail "the refusal was logged $n times"
gets=$(rcli info commandstats | sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p')
reads=$(rcli info commandstats | sed -n 's/^cmdstat_getrange:calls=\([0-9]*\),.*/\1/p')
echo "3000 messages: ${reads:-0} reads of current, ${gets:-0} fetches"
[ "${gets:-0}" -le 1 ] || fail "the refused version was fetched ${gets} times"
[ "${reads:-0}" -lt 300 ] || fail "current was read ${reads} times for 3000 messages"
ok

# Huge messages on the channel: skipped, never held; one past Redis's pub/sub
# output buffer limit (32 MiB) drops the subscription, which returns quietly.
rcli set vouch:segments:current "$v1" >/dev/null
reset_peak "$S"
hwm0=$(kb "$S" VmHWM)
head -c $((30 << 20)) /dev/zero | tr '\0' 'm' >msg30
head -c $((40 << 20)) /dev/zero | tr '\0' 'm' >msg40
rcli -x publish vouch:segments <msg30 >/dev/null
rcli -x publish vouch:segments <msg40 >/dev/null
sleep 1
hwm1=$(kb "$S" VmHWM)
echo "30 and 40 MiB messages: VmHWM ${hwm0} -> ${hwm1} kB"
[ "$ASAN" = 1 ] || [ $((hwm1 - hwm0)) -lt $((8 * 1024)) ] || fail "a message was buffered: +$((hwm1 - hwm0)) kB"
grep -q 'unreachable' s.log && fail "a huge message made an outage: $(grep unreachable s.log)"
for i in $(seq 100); do
	BASE=$SB req GET /metrics
	grep -q '^vouch_source_subscribed 1' resp && break
	sleep 0.05
done
grep -q '^vouch_source_subscribed 1' resp || fail "the subscription did not come back"
ok
expect_exit 0 "$VOUCH" publish v2.json --to "$URL" -q
BASE=$SB wait_ready "$v2"

# Redis closes idle clients after 2 s: reconnections stay quiet.
rcli config set timeout 2 >/dev/null
sleep 5
rcli config set timeout 0 >/dev/null
grep -qE 'unreachable|reachable again' s.log && fail "idle timeouts were logged: $(grep reachable s.log)"
ok
expect_exit 0 "$VOUCH" publish v3.json --to "$URL" -q
BASE=$SB wait_ready "$v3"

# current deleted (as allkeys-lru eviction would): a warning, a metric, still serving.
rcli del vouch:segments:current >/dev/null
kill -HUP "$S"
logged s.log "vouch:segments:current is not set although $v3 was served: evicted or deleted?"
BASE=$SB expect_req 200 GET /metrics
grep -q '^vouch_source_current_missing 1' resp || fail "no metric for the missing current"
BASE=$SB expect_req 200 GET /ready
expect_resp a.version "$v3"
rcli set vouch:segments:current "$v3" >/dev/null
kill -HUP "$S"
logged s.log "vouch:segments:current is set again"
BASE=$SB expect_req 200 GET /metrics
grep -q '^vouch_source_current_missing 0' resp || fail "the metric stayed"
ok

# --keep 1 publishes racing the replica's reads: never a failed reload.
BASE=$SB expect_req 200 GET /metrics
failed0=$(sed -n 's/^vouch_reloads_total{result="failed"} //p' resp)
for i in $(seq 10); do
	for n in 1 2 3; do
		"$VOUCH" publish "v$n.json" --to "$URL" --keep 1 -q || fail "publish --keep 1 failed"
	done
done
BASE=$SB wait_ready "$v3"
sleep 0.5
BASE=$SB expect_req 200 GET /metrics
failed1=$(sed -n 's/^vouch_reloads_total{result="failed"} //p' resp)
[ "$failed1" = "$failed0" ] || fail "--keep 1 races counted $((failed1 - failed0)) failed reloads"
[ "$(rcli zcard vouch:segments:versions)" = 1 ] || fail "--keep 1 kept $(rcli zcard vouch:segments:versions)"
ok

# A 50 bytes/s link: every command has 5 s as a whole, then a warning; SIGTERM is prompt.
PPORT=$(free_port)
node "$VOUCH_TESTS/tools/slowproxy.mjs" "$PPORT" "$RPORT" 50 >proxy.log 2>&1 &
PROXY_PID=$!
for i in $(seq 100); do
	grep -q listening proxy.log && break
	sleep 0.05
done
start_server slow.log --segments "redis://127.0.0.1:$PPORT" --threads 1 --log-level notice
SLOW=$PID
for i in $(seq 400); do
	grep -q 'timed out after 5 s' slow.log && break
	sleep 0.05
done
grep -q "redis unreachable, still serving nothing, retrying: redis://127.0.0.1:$PPORT/0: .*timed out after 5 s" slow.log ||
	{ cat slow.log >&2; fail "no timeout warning on the slow link"; }
grep -qi 'temporarily unavailable' slow.log && fail "EAGAIN's text in the log"
ok
PID=$SLOW stop_server
kill -KILL "$PROXY_PID" 2>/dev/null || true
wait "$PROXY_PID" 2>/dev/null || true
PROXY_PID=

# --max-stale: once Redis was not read for longer, /ready is 503 "stale"; requests still answer.
start_proxy() {
	: >proxy.log
	node "$VOUCH_TESTS/tools/slowproxy.mjs" "$PPORT" "$RPORT" 100000000 >proxy.log 2>&1 &
	PROXY_PID=$!
	for i in $(seq 100); do
		grep -q listening proxy.log && break
		sleep 0.05
	done
}
start_proxy
start_server stale.log --segments "redis://127.0.0.1:$PPORT" --threads 1 --log-level notice --max-stale 2
ST=$PID
wait_ready "$v3"
kill -KILL "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null || true
PROXY_PID=
for i in $(seq 200); do
	req GET /ready
	[ "$STATUS" = 503 ] && break
	sleep 0.05
done
[ "$STATUS" = 503 ] || fail "/ready stayed $STATUS past --max-stale"
expect_resp a.error.code stale
grep -q 'the source was last read' resp || fail "the stale answer does not say why: $(cat resp)"
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
expect_req 200 GET /metrics
grep -q '^vouch_ready 0' resp || fail "vouch_ready is not 0 when stale"
grep -q '^vouch_source_up 0' resp || fail "vouch_source_up is not 0"
start_proxy
wait_ready "$v3"
PID=$ST stop_server
kill -KILL "$PROXY_PID" 2>/dev/null || true
wait "$PROXY_PID" 2>/dev/null || true
PROXY_PID=

PID=$S stop_server
finish
