#!/usr/bin/env bash
# docker-compose.sentinel.yml on a real Docker engine
# (../shared/tools/container-engine.sh: Debian's docker.io and docker-compose
# v1, the base images made locally), on a fresh copy of the repository with
# the real data in data/raw/:
#   - `docker-compose -f docker-compose.sentinel.yml up processing` starts a
#     primary, a replica and three sentinels (each healthy once `SENTINEL
#     CKQUORUM` says a failover can be authorised) and publishes through the
#     Sentinel URL to the primary; `up -d api` serves that version and answers
#     the canonical request as t0720's deployment does;
#   - `docker-compose kill redis-primary` under wrk: the sentinels promote the
#     replica, the api switches to it (GET /segments names it), every request
#     in the whole run answers 2xx and every /ready polled meanwhile 200;
#   - `processing` over other data publishes to the new primary, and the api
#     serves that version within 5 s, answering as a local `vouch serve` of
#     the same artifact does;
#   - `docker-compose start redis-primary`: the old primary comes back, the
#     sentinels make it a replica of the new one, and it syncs the new version;
#   - `docker-compose down -v` leaves no container, network or volume.
# Prints the failover timeline (docs/OPERATIONS.md quotes it), from the
# sentinels' and the api's log stamps, counted from the moment Docker saw the
# primary exit.  The project name is unique per run, as is the compose
# network's /24 (VOUCH_HA_NET, picked so that no route or Docker network has
# it); the api is published on loopback only; the image is tagged
# vouch:test-sentinel (an override file), so neither vouch:latest nor t0720's
# vouch:test is touched.  Everything of the run is removed on exit, also on
# failure, and dockerd is stopped only when this test started it.  `make test`
# runs it with t0720 (ctest label `container`), not in the ASan pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/container.sh"

container_needs t0770 curl wrk git redis-cli ip

SRC=$(cd "$VOUCH_TESTS/.." && pwd)
W=$VOUCH_WORK
R=$W/repo
TAG=vouch:test-sentinel
export COMPOSE_PROJECT_NAME="vouch-t0770-$$-$RANDOM"
P=$COMPOSE_PROJECT_NAME
export VOUCH_API_PORT=127.0.0.1:
unset VOUCH_RAW_DIR VOUCH_SEGMENTS_DIR VOUCH_HA_NET
WRK_PID=

dc() { (cd "$R" && docker-compose -f docker-compose.sentinel.yml -f t0770.override.yml "$@"); }

leftovers() {
	docker ps -aq --filter "label=com.docker.compose.project=$P"
	docker network ls -q --filter "label=com.docker.compose.project=$P"
	docker volume ls -q --filter "label=com.docker.compose.project=$P"
}

cleanup() {
	set +e
	cleanup_servers
	[ -z "$WRK_PID" ] || kill -KILL "$WRK_PID" 2>/dev/null
	if docker info >/dev/null 2>&1; then
		[ ! -f "$R/t0770.override.yml" ] || dc down -v --remove-orphans >>down.log 2>&1
		# Whatever compose did not remove, by this run's project label.
		docker ps -aq --filter "label=com.docker.compose.project=$P" | xargs -r docker rm -f >/dev/null 2>&1
		docker network ls -q --filter "label=com.docker.compose.project=$P" | xargs -r docker network rm >/dev/null 2>&1
		docker volume ls -q --filter "label=com.docker.compose.project=$P" | xargs -r docker volume rm >/dev/null 2>&1
	fi
	engine_stop
	rm -f "$R/data/raw/data.parquet.gzip" raw2/data.parquet.gzip
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# ms STAMP: a log or Docker time stamp (UTC) as milliseconds since the epoch.
ms() { TZ=UTC date -d "$1" +%s%3N; }
# since T: seconds from T0 (ms) to T (ms), as "1.234 s".
since() { awk -v a="$T0" -v b="$1" 'BEGIN { d = (b - a) / 1000; if (d < 0 && d > -0.005) d = 0; printf "%.2f s", d }'; }

# ---- the engine -----------------------------------------------------------
engine_start

# ---- a fresh copy of the repository, the image -------------------------------
copy_repo "$SRC" "$R"
[ -f "$R/docker-compose.sentinel.yml" ] && [ -d "$R/data/raw" ] || fail "the copy lacks docker-compose.sentinel.yml or data/"
build_image "$TAG" "$R"
ok

# ---- the compose network's addresses -----------------------------------------
# A /24 that neither a route of this host nor a Docker network uses.
taken=$(
	ip -4 route show | awk '{ print $1 }'
	docker network ls -q | xargs -r docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}'
)
NET=
for third in $(shuf -i 200-254); do
	if ! grep -Eq "(^| )172\.31\.($third\.0/24|0\.0/16)( |$)" <<<"$taken"; then
		NET=172.31.$third
		break
	fi
done
[ -n "$NET" ] || fail "no free /24 in 172.31.200-254 for the compose network"
export VOUCH_HA_NET=$NET
PRIMARY=$NET.11
REPLICA=$NET.12
SENTINELS=("$NET.21" "$NET.22" "$NET.23")
URL_SHOWN="redis-sentinel://$NET.21:26379,$NET.22:26379,$NET.23:26379/vouch/0"

printf '# t0770: the image this test built\nservices:\n  processing:\n    image: %s\n  api:\n    image: %s\n' \
	"$TAG" "$TAG" >"$R/t0770.override.yml"
dc config -q 2>compose-config.log || { cat compose-config.log >&2; fail "docker-compose config"; }
ok

# processing_ran LOG: `up processing` (output in LOG) exited 0.
processing_ran() {
	dc up processing >"$1" 2>&1 || { cat "$1" >&2; fail "docker-compose up processing failed"; }
	local rc
	rc=$(docker inspect -f '{{.State.ExitCode}}' "$(dc ps -q processing)")
	[ "$rc" = 0 ] || { cat "$1" >&2; fail "processing exited $rc"; }
	ok
}
# rget HOST KEY: GET from a data node (from the host, on the compose network).
rget() { redis-cli -h "$1" get "$2" 2>/dev/null; }
role() { redis-cli -h "$1" role 2>/dev/null | head -n 1; }
master_of() { redis-cli -h "$1" -p 26379 sentinel get-master-addr-by-name vouch 2>/dev/null | paste -sd: -; }

# ---- up processing: the topology, a publish through the sentinels ------------
cp "$REAL" "$R/data/raw/"
processing_ran up1.log
ART=$R/data/segments/segments.json
v1=$(json a.version "$ART")
grep -q "published /data/segments/segments.json as version $v1 to $URL_SHOWN (primary $PRIMARY:6379)" up1.log ||
	{ cat up1.log >&2; fail "processing did not say it published $v1 through the sentinels to $PRIMARY"; }
for s in "${SENTINELS[@]}"; do
	[ "$(master_of "$s")" = "$PRIMARY:6379" ] || fail "sentinel $s names '$(master_of "$s")' as the primary"
	redis-cli -h "$s" -p 26379 sentinel ckquorum vouch | grep -q '^OK 3 usable' || fail "sentinel $s: no quorum"
done
[ "$(role "$PRIMARY")" = master ] || fail "$PRIMARY is not a primary"
[ "$(rget "$PRIMARY" vouch:segments:current)" = "$v1" ] || fail "the primary does not call $v1 current"
cp "$ART" v1.json
ok

dc up -d api >up-api.log 2>&1 || { cat up-api.log >&2; fail "docker-compose up -d api failed"; }
addr=$(dc port api 8000)
case $addr in 127.0.0.1:[0-9]*) ;; *) fail "the api is published on '$addr', not on loopback" ;; esac
BASE=http://$addr
API=$BASE
for i in $(seq 300); do
	req GET /health
	[ "$STATUS" = 200 ] && break
	sleep 0.1
done
[ "$STATUS" = 200 ] || { dc logs api >&2; fail "/health never answered 200"; }
wait_ready "$v1"
expect_req 200 GET /segments
expect_resp a.source "$URL_SHOWN/vouch:segments:current"
expect_resp a.address "$PRIMARY:6379"
CANON='{"customer_id": 123, "country_code": "Peru", "last_order_ts": "2018-05-03 00:00:00", "first_order_ts": "2017-05-03 00:00:00", "total_orders": 15, "segment_name": "frequent_segment"}'
expect_req 200 POST /voucher "$CANON"
expect_body '{"customer_id":123,"country_code":"Peru","segment_name":"frequent_segment","bucket":"14-37","voucher_amount":2640,"fallback":false}'

# The replica has synced v1 and every sentinel knows it, so a failover can
# pick it.
for i in $(seq 300); do
	link=$(redis-cli -h "$REPLICA" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^master_link_status://p')
	[ "$link" = up ] && [ "$(rget "$REPLICA" vouch:segments:current)" = "$v1" ] && break
	sleep 0.1
done
[ "$link" = up ] || fail "the replica never synced with the primary (master_link_status '$link')"
[ "$(rget "$REPLICA" vouch:segments:current)" = "$v1" ] || fail "the replica does not have $v1"
for s in "${SENTINELS[@]}"; do
	redis-cli -h "$s" -p 26379 sentinel replicas vouch | grep -qx "$REPLICA:6379" ||
		fail "sentinel $s does not know the replica $REPLICA"
done
ok

# ---- the primary is killed under load -------------------------------------------
cat >post.lua <<LUA
wrk.method = "POST"
wrk.body = '$CANON'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t1 -c8 -d300s --timeout 3s -s post.lua "$BASE/voucher" >wrk.txt 2>&1 &
WRK_PID=$!
sleep 1
dc kill redis-primary >kill.log 2>&1 || { cat kill.log >&2; fail "docker-compose kill redis-primary failed"; }
pid=$(dc ps -q redis-primary)
[ "$(docker inspect -f '{{.State.Running}}' "$pid")" = false ] || fail "the primary's container still runs"
T0=$(ms "$(docker inspect -f '{{.State.FinishedAt}}' "$pid")")
# Until the sentinels name another primary (bounded: down-after-milliseconds
# is 5 s, failover-timeout 10 s): /ready answers 200 all along.
ready_polls=0
promoted=
while [ $(($(now_ms) - T0)) -lt 60000 ]; do
	req GET /ready
	[ "$STATUS" = 200 ] || { cat resp >&2; fail "/ready answered $STATUS during the failover"; }
	ready_polls=$((ready_polls + 1))
	m=$(master_of "${SENTINELS[0]}")
	if [ "$m" = "$REPLICA:6379" ]; then
		promoted=$(now_ms)
		break
	fi
	sleep 0.05
done
[ -n "$promoted" ] || { dc logs sentinel-1 >&2; fail "the sentinels did not promote the replica within 60 s (they name '$m')"; }
[ "$(role "$REPLICA")" = master ] || fail "the sentinels name $REPLICA, but its ROLE is '$(role "$REPLICA")'"
for s in "${SENTINELS[@]}"; do
	for i in $(seq 100); do
		[ "$(master_of "$s")" = "$REPLICA:6379" ] && break
		sleep 0.1
	done
	[ "$(master_of "$s")" = "$REPLICA:6379" ] || fail "sentinel $s still names '$(master_of "$s")'"
done
ok
# The api follows.
switched=
for i in $(seq 300); do
	req GET /segments
	[ "$STATUS" = 200 ] || fail "/segments answered $STATUS after the failover"
	if [ "$(json a.address resp)" = "$REPLICA:6379" ]; then
		switched=$(now_ms)
		break
	fi
	sleep 0.05
done
[ -n "$switched" ] || { dc logs api >&2; fail "the api never switched to the new primary $REPLICA"; }
expect_resp a.version "$v1"
ok
kill -0 "$WRK_PID" 2>/dev/null || fail "the wrk run ended before the failover was over"
sleep 1
kill -INT "$WRK_PID"
wait "$WRK_PID" || fail "wrk failed: $(cat wrk.txt)"
WRK_PID=
grep -q 'requests in' wrk.txt || fail "wrk printed no totals: $(cat wrk.txt)"
if grep -E 'Non-2xx|Socket errors' wrk.txt; then
	fail "requests failed during the failover"
fi
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' wrk.txt)
[ "$n" -gt 100 ] || fail "only $n requests during the failover"
echo "docker-compose kill redis-primary under wrk: $n requests, all 2xx; $ready_polls /ready polls, all 200"
ok

# ---- a new publish goes to the new primary ------------------------------------------
mkdir -p raw2
cp "$REAL" raw2/
"$VOUCH" gen --rows 2000 --seed 8 -o raw2/more.csv 2>/dev/null
VOUCH_RAW_DIR=$W/raw2 processing_ran up2.log
published=$(now_ms)
v2=$(json a.version "$ART")
[ "$v2" != "$v1" ] || fail "other data gave the same version"
grep -q "published /data/segments/segments.json as version $v2 to $URL_SHOWN (primary $REPLICA:6379)" up2.log ||
	{ cat up2.log >&2; fail "processing did not say it published $v2 to the new primary $REPLICA"; }
[ "$(rget "$REPLICA" vouch:segments:current)" = "$v2" ] || fail "the new primary does not call $v2 current"
ok
reached=
for i in $(seq 100); do
	req GET /ready
	[ "$STATUS" = 200 ] || fail "/ready answered $STATUS after the publish"
	if [ "$(json a.version resp)" = "$v2" ]; then
		reached=$(now_ms)
		break
	fi
	[ $(($(now_ms) - published)) -lt 5000 ] || break
	sleep 0.05
done
[ -n "$reached" ] || { dc logs api >&2; fail "version $v2 did not reach the api within 5 s"; }
exited=$(ms "$(docker inspect -f '{{.State.FinishedAt}}' "$(dc ps -q processing)")")
expect_req 200 POST /voucher "$CANON"
cp resp canon-container.json
cp "$ART" v2.json
start_server local.log --segments v2.json
expect_req 200 POST /voucher "$CANON"
cmp -s resp canon-container.json || fail "the container answers $(cat canon-container.json), vouch serve $(cat resp)"
stop_server
BASE=$API
ok

# ---- the old primary comes back as a replica ------------------------------------------
dc start redis-primary >start.log 2>&1 || { cat start.log >&2; fail "docker-compose start redis-primary failed"; }
restarted=$(ms "$(docker inspect -f '{{.State.StartedAt}}' "$(dc ps -q redis-primary)")")
rejoined=
while [ $(($(now_ms) - restarted)) -lt 60000 ]; do
	r=$(role "$PRIMARY")
	link=$(redis-cli -h "$PRIMARY" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^master_link_status://p')
	if [ "$r" = slave ] && [ "$link" = up ] && [ "$(rget "$PRIMARY" vouch:segments:current)" = "$v2" ]; then
		rejoined=$(now_ms)
		break
	fi
	sleep 0.1
done
[ -n "$rejoined" ] || { dc logs sentinel-1 >&2; fail "the old primary did not rejoin as a synced replica within 60 s (ROLE '$r', link '$link')"; }
redis-cli -h "$PRIMARY" info replication | tr -d '\r' | grep -qx "master_host:$REPLICA" || fail "the old primary replicates from someone else"
for s in "${SENTINELS[@]}"; do
	[ "$(master_of "$s")" = "$REPLICA:6379" ] || fail "sentinel $s names '$(master_of "$s")' after the old primary came back"
done
req GET /segments
expect_resp a.address "$REPLICA:6379"
expect_resp a.version "$v2"
ok

# ---- the timeline -----------------------------------------------------------------------
dc logs --no-color sentinel-1 sentinel-2 sentinel-3 >sentinels.log 2>&1
dc logs --no-color api >api.log 2>&1
# sstamp FILE PATTERN: the earliest sentinel log line of FILE matching
# PATTERN ("1:X 01 Dec 2026 13:48:44.231 # +sdown ..."), as ms; empty if none.
sstamp() {
	grep -E "$2" "$1" | sed -n 's/.*[0-9]:X \([0-9][0-9] [A-Z][a-z][a-z] [0-9]* [0-9:.]*\) .*/\1/p' |
		while IFS= read -r t; do ms "$t"; done | sort -n | head -n 1
}
# astamp FILE PATTERN: the first api log line matching PATTERN, as ms.
astamp() {
	grep -E "$2" "$1" | sed -n 's/.*\(20[0-9-]*T[0-9:.]*Z\) .*/\1/p' | head -n 1 |
		while IFS= read -r t; do ms "$t"; done
}
noticed=$(astamp api.log 'warn redis unreachable, still serving')
sdown=$(sstamp sentinels.log "\+sdown master vouch $PRIMARY")
odown=$(sstamp sentinels.log "\+odown master vouch $PRIMARY")
leader=$(sstamp sentinels.log "\+elected-leader master vouch $PRIMARY")
promoted_slave=$(sstamp sentinels.log "\+promoted-slave slave $REPLICA:6379")
switch=$(sstamp sentinels.log "\+switch-master vouch $PRIMARY 6379 $REPLICA 6379")
api_switch=$(astamp api.log "the primary is now $REPLICA:6379")
loaded=$(astamp api.log "notice loaded .* version=$v2")
convert=$(sstamp sentinels.log "\+convert-to-slave slave $PRIMARY:6379")
for t in noticed sdown odown leader promoted_slave switch api_switch loaded; do
	[ -n "${!t}" ] || { cat sentinels.log api.log >&2; fail "the logs lack the line for '$t' of the timeline"; }
done
echo "failover timeline (docker-compose.sentinel.yml: down-after-milliseconds 5000, failover-timeout 10000;" \
	"seconds from Docker's stamp of the primary's exit; 'test:' lines are this test's polls):"
{
	echo "$noticed the api logs 'redis unreachable, still serving ${v1:0:12}' and keeps answering"
	echo "$sdown first sentinel +sdown (subjectively down)"
	echo "$odown first sentinel +odown (quorum 2/2)"
	echo "$leader a sentinel +elected-leader"
	echo "$promoted_slave +promoted-slave: the replica is the primary"
	echo "$switch first +switch-master"
	echo "$api_switch the api logs 'the primary is now $REPLICA:6379'"
	echo "$promoted test: sentinel-1 names the replica"
	echo "$switched test: GET /segments names it"
} | sort -n | while read -r t what; do printf '  %8s  %s\n' "$(since "$t")" "$what"; done
if [ "$loaded" -le "$exited" ]; then
	when="$((exited - loaded)) ms before the processing container had exited"
else
	when="$((loaded - exited)) ms after the processing container exited"
fi
echo "  then processing (another run) published ${v2:0:12} to the new primary; the api logged loading it $when"
T0=$restarted
echo "  the old primary, restarted: +convert-to-slave after $([ -n "$convert" ] && since "$convert" || echo "? (not logged)")," \
	"a synced replica with ${v2:0:12} after $(since "$rejoined")"

# ---- docker-compose down -v ---------------------------------------------------------------
dc down -v >down.log 2>&1 || { cat down.log >&2; fail "docker-compose down -v failed"; }
left=$(leftovers)
[ -z "$left" ] || fail "docker-compose down -v left: $left"
ok
finish
