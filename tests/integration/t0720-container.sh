#!/usr/bin/env bash
# The image and the compose deployment on a real Docker engine
# (../shared/tools/container-engine.sh: Debian's docker.io and docker-compose
# v1, the base images made locally).  On a fresh copy of the repository (the
# files git tracks or would add, as in the working tree) with the real data in
# data/raw/:
#   - `docker build --network host` builds the image from a small context
#     (no tests/, no fuzz/), at most 100 MB, user and group vouch 10001;
#   - a folder the image cannot write: one line naming it, exit 1;
#   - README's two commands, verbatim: `docker-compose up processing` (Redis
#     by depends_on) writes data/segments/segments.json on the host and
#     publishes it; `docker-compose up -d api` becomes healthy and answers
#     /health, /ready and the canonical request exactly as the local `vouch
#     serve` of that artifact does, and GET /segments has its version;
#   - `processing` over other data (VOUCH_RAW_DIR), into a folder of another
#     owner, reaches the running api within 5 s, and the artifact belongs to
#     that owner;
#   - `docker-compose restart redis` under wrk: no failed request, and the
#     next publish arrives; `--scale api=2` serves it too;
#   - `docker-compose down -v` leaves no container, network or volume.
# The project name is unique per run; the api is published on loopback only
# (VOUCH_API_PORT=127.0.0.1:, a free port docker picks); the image is tagged
# vouch:test (an override file), so vouch:latest is not touched.  dockerd is
# stopped at the end only when this test started it.  `make test` runs this
# test alone after the others (ctest label `container`), not in the ASan pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/container.sh"

container_needs t0720 curl wrk git

SRC=$(cd "$VOUCH_TESTS/.." && pwd)
W=$VOUCH_WORK
R=$W/repo
TAG=vouch:test
export COMPOSE_PROJECT_NAME="vouch-t0720-$$-$RANDOM"
P=$COMPOSE_PROJECT_NAME
export VOUCH_API_PORT=127.0.0.1:
unset VOUCH_RAW_DIR VOUCH_SEGMENTS_DIR
WRK_PID=

dc() { (cd "$R" && docker-compose "$@"); }

# leftovers: every container, network and volume of this run.
leftovers() {
	docker ps -aq --filter "label=com.docker.compose.project=$P"
	docker ps -aq --filter "label=vouch.test=$P"
	docker network ls -q --filter "label=com.docker.compose.project=$P"
	docker volume ls -q --filter "label=com.docker.compose.project=$P"
}

cleanup() {
	set +e
	cleanup_servers
	[ -z "$WRK_PID" ] || kill -KILL "$WRK_PID" 2>/dev/null
	if docker info >/dev/null 2>&1; then
		[ ! -f "$R/docker-compose.yml" ] || dc down -v --remove-orphans >>down.log 2>&1
		docker ps -aq --filter "label=vouch.test=$P" | xargs -r docker rm -f >/dev/null 2>&1
	fi
	engine_stop
	rm -f "$R/data/raw/data.parquet.gzip" raw2/data.parquet.gzip raw3/data.parquet.gzip
}
trap cleanup EXIT

# ---- the engine -----------------------------------------------------------
engine_start

# ---- a fresh copy of the repository ----------------------------------------
copy_repo "$SRC" "$R"
[ -f "$R/Dockerfile" ] && [ -d "$R/data/raw" ] && [ -d "$R/data/segments" ] || fail "the copy lacks the Dockerfile or data/"
ok

# ---- the image --------------------------------------------------------------
t0=$(date +%s%N)
build_image "$TAG" "$R"
t1=$(date +%s%N)
size=$(docker image inspect -f '{{.Size}}' "$TAG")
# (The legacy builder redraws its context line with CRs.)
context=$(tr '\r' '\n' <build.log | sed -n 's/^Sending build context to Docker daemon *//p' | tail -n 1)
ran=$(grep -c '^ ---> Running in' build.log || true)
cached=$(grep -c '^ ---> Using cache' build.log || true)
echo "image: $TAG built in $(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.1f s", n / 1e9 }')" \
	"($ran steps run, $cached cached; context ${context:-?})," \
	"$(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }')"
[ "$size" -le 100000000 ] || fail "the image is $size bytes, over 100 MB"
ok
case $context in
*[0-9]B | *kB) ;;
*MB) awk -v c="${context%MB}" 'BEGIN { exit !(c < 2) }' || fail "the build context is $context (.dockerignore)" ;;
*) fail "the build context is '${context:-?}' (.dockerignore)" ;;
esac
ok
if grep -E '^(useradd|groupadd)|SYS_UID_MAX|SYS_GID_MAX' build.log; then
	fail "useradd/groupadd warned in the build"
fi
grep -q -- '-DVOUCH_BUILD_TESTS=OFF' build.log || fail "the image's build does not leave tests/ and fuzz/ out"
grep -Eq 'cmocka|libbrotlienc' build.log && fail "the image's build needs a test-only package"
ok
[ "$(docker image inspect -f '{{.Config.User}}' "$TAG")" = 10001:10001 ] || fail "the image does not run as 10001:10001"
[ "$(docker run --rm --network none --entrypoint getent "$TAG" group vouch)" = "vouch:x:10001:" ] ||
	fail "group vouch is not gid 10001"
[[ "$(docker run --rm --network none --entrypoint getent "$TAG" passwd vouch)" == vouch:x:10001:10001:* ]] ||
	fail "user vouch is not 10001:10001"
[[ "$(docker run --rm --network none "$TAG" vouch --version)" == "vouch "* ]] || fail "vouch --version fails in the image"
ok

# ---- a folder the image cannot write ----------------------------------------
cp "$REAL" "$R/data/raw/"
mkdir -p rootonly
chmod 755 rootonly
# unwritable NAME DOCKER-RUN-ARGS...: `vouch process` exits 1 with one line
# (the container's own output, in NAME.log).
unwritable() {
	local name="$P-$1" log="$1.log" rc=0
	shift
	docker run --name "$name" --label "vouch.test=$P" --network none -v "$R/data/raw:/data/raw:ro" "$@" \
		"$TAG" vouch process -i /data/raw -o /data/segments/segments.json >/dev/null 2>&1 || rc=$?
	docker logs "$name" >"$log" 2>&1
	docker rm -f "$name" >/dev/null
	[ "$rc" = 1 ] || { cat "$log" >&2; fail "$log: exit $rc, expected 1"; }
	[ "$(wc -l <"$log")" = 1 ] || { cat "$log" >&2; fail "$log: not one line"; }
	echo "unwritable folder: $(cat "$log")"
	ok
}
unwritable as-vouch -v "$W/rootonly:/data/segments"
grep -q '^vouch: cannot write the output folder /data/segments as uid 10001 (owner uid 0, mode 755): make the host folder mounted there writable for uid 10001, or start the container as root' as-vouch.log ||
	fail "the message for a folder uid 10001 cannot write"
unwritable read-only --user 0 -v "$W/rootonly:/data/segments:ro"
grep -q 'mounted read-only' read-only.log || fail "the message for a read-only folder"
[ -z "$(ls -A rootonly)" ] || fail "something was written into the folder"
ok

# ---- docker-compose up processing, docker-compose up -d api -----------------
printf '# t0720: the image this test built\nservices:\n  processing:\n    image: %s\n  api:\n    image: %s\n' \
	"$TAG" "$TAG" >"$R/docker-compose.override.yml"
dc config -q 2>compose-config.log || { cat compose-config.log >&2; fail "docker-compose config"; }
ok

# processing_ran LOG: `docker-compose up processing` (output in LOG) exited 0.
processing_ran() {
	dc up processing >"$1" 2>&1 || { cat "$1" >&2; fail "docker-compose up processing failed"; }
	local rc
	rc=$(docker inspect -f '{{.State.ExitCode}}' "$(dc ps -q processing)")
	[ "$rc" = 0 ] || { cat "$1" >&2; fail "processing exited $rc"; }
	ok
}

processing_ran up1.log
ART=$R/data/segments/segments.json
[ -f "$ART" ] || fail "no data/segments/segments.json on the host"
v1=$(json a.version "$ART")
grep -q "published /data/segments/segments.json as version $v1 to redis://redis:6379/0" up1.log ||
	{ cat up1.log >&2; fail "processing did not say it published $v1"; }
[ "$(stat -c %u:%g "$ART")" = 0:0 ] || fail "segments.json belongs to $(stat -c %u:%g "$ART"), not to the folder's owner 0:0"
[ "$(dc exec -T redis redis-cli get vouch:segments:current | tr -d '\r')" = "$v1" ] || fail "Redis does not call $v1 current"
ok
cp "$ART" v1.json

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
ok
wait_ready "$v1"
expect_req 200 GET /segments
expect_resp a.version "$v1"
expect_resp a.source "redis://redis:6379/0/vouch:segments:current"
CANON='{"customer_id": 123, "country_code": "Peru", "last_order_ts": "2018-05-03 00:00:00", "first_order_ts": "2017-05-03 00:00:00", "total_orders": 15, "segment_name": "frequent_segment"}'
expect_req 200 POST /voucher "$CANON"
cp resp canon-container.json
expect_body '{"customer_id":123,"country_code":"Peru","segment_name":"frequent_segment","bucket":"14-37","voucher_amount":2640,"fallback":false}'
[ "$(dc exec -T api id -u | tr -d '\r')" = 10001 ] || fail "the api does not run as uid 10001"
ok
# The local build's answer for the same artifact.
start_server local.log --segments v1.json
expect_req 200 POST /voucher "$CANON"
cmp -s resp canon-container.json || fail "the container answers $(cat canon-container.json), vouch serve $(cat resp)"
ok
stop_server
BASE=$API
# Docker's own health check of the api.
for i in $(seq 60); do
	health=$(docker inspect -f '{{.State.Health.Status}}' "$(dc ps -q api)")
	[ "$health" = healthy ] && break
	sleep 0.5
done
[ "$health" = healthy ] || { dc logs api >&2; fail "the api container is '$health', not healthy"; }
ok

# reaches VERSION: after processing exited, the api serves VERSION within 5 s.
reaches() {
	local t0 ms
	t0=$(date +%s%N)
	while :; do
		req GET /ready
		if [ "$STATUS" = 200 ] && grep -q "\"version\":\"$1\"" resp; then
			ms=$((($(date +%s%N) - t0) / 1000000))
			echo "version ${1:0:12} reached the api $ms ms after processing exited"
			ok
			return 0
		fi
		[ $((($(date +%s%N) - t0) / 1000000)) -lt 5000 ] || { dc logs api >&2; fail "version $1 did not reach the api within 5 s"; }
		sleep 0.1
	done
}

# ---- other data, another owner ----------------------------------------------
mkdir -p raw2
cp "$REAL" raw2/
"$VOUCH" gen --rows 2000 --seed 8 -o raw2/more.csv 2>/dev/null
chown 4321:4322 "$R/data/segments"
VOUCH_RAW_DIR=$W/raw2 processing_ran up2.log
v2=$(json a.version "$ART")
[ "$v2" != "$v1" ] || fail "other data gave the same version"
[ "$(stat -c %u:%g "$ART")" = 4321:4322 ] || fail "segments.json belongs to $(stat -c %u:%g "$ART"), not to the folder's owner 4321:4322"
ok
reaches "$v2"

# ---- Redis restarts under load ----------------------------------------------
cat >post.lua <<LUA
wrk.method = "POST"
wrk.body = '$CANON'
wrk.headers["Content-Type"] = "application/json"
LUA
# wrk runs until Redis is back and one more second, then SIGINT makes it stop
# and print its totals (-d is only the upper bound: a loaded machine can take
# many seconds to restart a container).
wrk -t1 -c8 -d120s --timeout 3s -s post.lua "$BASE/voucher" >wrk.txt 2>&1 &
WRK_PID=$!
sleep 1
dc restart redis >restart.log 2>&1 || { cat restart.log >&2; fail "docker-compose restart redis failed"; }
for i in $(seq 300); do
	dc logs api >api.log 2>&1 || true
	grep -q 'reachable again' api.log && break
	sleep 0.2
done
grep -q 'redis unreachable, still serving' api.log || { cat api.log >&2; fail "the api did not notice Redis going away"; }
grep -q 'reachable again' api.log || { cat api.log >&2; fail "the api did not reconnect to Redis"; }
kill -0 "$WRK_PID" 2>/dev/null || fail "the wrk run ended before Redis was back (the restart took over 2 minutes)"
sleep 1
kill -INT "$WRK_PID"
wait "$WRK_PID" || fail "wrk failed: $(cat wrk.txt)"
WRK_PID=
grep -q 'requests in' wrk.txt || fail "wrk printed no totals: $(cat wrk.txt)"
if grep -E 'Non-2xx|Socket errors' wrk.txt; then
	fail "requests failed while Redis restarted"
fi
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' wrk.txt)
[ "$n" -gt 100 ] || fail "only $n requests during the restart"
echo "docker-compose restart redis under wrk: $n requests, all 2xx"
ok
[ "$(dc exec -T redis redis-cli get vouch:segments:current | tr -d '\r')" = "$v2" ] || fail "Redis forgot the current version"
ok
mkdir -p raw3
cp "$REAL" raw3/
"$VOUCH" gen --rows 2000 --seed 9 -o raw3/more.csv 2>/dev/null
VOUCH_RAW_DIR=$W/raw3 processing_ran up3.log
v3=$(json a.version "$ART")
[ "$v3" != "$v2" ] || fail "other data gave the same version"
reaches "$v3"

# ---- two replicas ------------------------------------------------------------
dc up -d --scale api=2 api >scale.log 2>&1 || { cat scale.log >&2; fail "--scale api=2 failed"; }
addr2=$(dc port --index=2 api 8000)
case $addr2 in 127.0.0.1:[0-9]*) ;; *) fail "replica 2 is published on '$addr2'" ;; esac
[ "$addr2" != "$addr" ] || fail "both replicas on $addr"
BASE=http://$addr2
wait_ready "$v3"
BASE=$API
wait_ready "$v3"

# ---- docker-compose down -v ---------------------------------------------------
dc down -v >down.log 2>&1 || { cat down.log >&2; fail "docker-compose down -v failed"; }
left=$(leftovers)
[ -z "$left" ] || fail "docker-compose down -v left: $left"
ok
finish
