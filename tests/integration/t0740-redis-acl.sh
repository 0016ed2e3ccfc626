#!/usr/bin/env bash
# Redis ACL users and URLs: the exact rules docs/OPERATIONS.md gives for
# `serve`, `publish` and the sentinels (read from the document, so the two
# cannot drift) work; a serve user without the channel follows by polling,
# never "unreachable"; a publisher missing a rule, or a key of the wrong
# type, fails with exit 1 and nothing changed; passwords (the data node's and
# the sentinels') never appear in a message, a log, /segments or /metrics,
# whatever the URL's shape; malformed URLs and prefixes are usage errors
# naming their option, `process --publish` refuses one before the pipeline
# runs and takes its URL from VOUCH_PUBLISH; Redis Cluster is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v redis-server >/dev/null || { echo "skip: redis-server not installed (scripts/deps.sh test)"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed (scripts/deps.sh test)"; exit 77; }
command -v redis-sentinel >/dev/null || { echo "skip: redis-sentinel not installed (scripts/deps.sh test)"; exit 77; }

PIDS=()
cleanup() {
	local p
	cleanup_servers
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

DOC="$VOUCH_TESTS/../docs/OPERATIONS.md"
[ -f "$DOC" ] || fail "$DOC not found"
RPORT=$(free_port)
SPORT=$(free_port)
rcli() { redis-cli -p "$RPORT" "$@"; }
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--dir "$VOUCH_WORK" >redis.log 2>&1 &
PIDS+=($!)
for i in $(seq 100); do
	[ "$(rcli ping 2>/dev/null)" = PONG ] && break
	sleep 0.05
done

# rule NAME PASSWORD [SED]: the documented ACL SETUSER line for NAME, with its
# password, optionally edited by a sed expression; printed one word a line.
rule() {
	local line
	line=$(grep -o "ACL SETUSER $1 .*" "$DOC" | head -n 1)
	[ -n "$line" ] || fail "$DOC has no ACL rule for $1"
	line=$(sed -E "s/>[A-Z_]+PASSWORD/>$2/" <<<"$line")
	[ -z "${3:-}" ] || line=$(sed "$3" <<<"$line")
	tr ' ' '\n' <<<"$line"
}
# setuser PORT NAME PASSWORD [SED] [NEWNAME]: runs the rule on the server at PORT.
setuser() {
	local words=()
	mapfile -t words < <(rule "$2" "$3" "${4:-}")
	[ -z "${5:-}" ] || words[2]=$5
	[ "$(redis-cli -p "$1" "${words[@]}")" = OK ] || fail "ACL SETUSER ${words[2]} failed on $1"
}
setuser "$RPORT" vouch-serve srvpw
setuser "$RPORT" vouch-publish pubpw
setuser "$RPORT" vouch-serve srvpw 's/ resetchannels &vouch:segments//' serve-nochannel
setuser "$RPORT" vouch-publish pubpw 's/ +del//' publish-nodel
setuser "$RPORT" vouch-publish pubpw 's/ +zrevrange//' publish-norange
ok

for n in 1 2 3 4; do
	"$VOUCH" gen --rows 1500 --seed "$n" -o "o$n.csv" 2>/dev/null
	expect_exit 0 "$VOUCH" process -i "o$n.csv" -c all -o "v$n.json" -q
	eval "v$n=\$(json a.version v$n.json)"
done
PUB="redis://vouch-publish:pubpw@127.0.0.1:$RPORT"

# The documented publish rules: publish, trim (DEL, ZREM), roll back.
expect_exit 0 "$VOUCH" publish v1.json --to "$PUB" --keep 2
expect_exit 0 "$VOUCH" publish v2.json --to "$PUB" --keep 2
expect_exit 0 "$VOUCH" publish v3.json --to "$PUB" --keep 2
expect_stderr "(now current; 1 old version removed)"
expect_exit 0 "$VOUCH" publish --rollback "$v2" --to "$PUB"
[ "$(rcli get vouch:segments:current)" = "$v2" ] || fail "the rollback did not move current"
grep -q pubpw stderr && fail "the password was printed"
ok

# The documented serve rules: ready, subscribed, following publishes.
VOUCH_SEGMENTS="redis://vouch-serve:srvpw@127.0.0.1:$RPORT" start_server serve.log --threads 1 --log-level notice
SV=$PID SVB=$BASE
wait_ready "$v2"
expect_exit 0 "$VOUCH" publish v3.json --to "$PUB" --keep 2
BASE=$SVB wait_ready "$v3"
BASE=$SVB expect_req 200 GET /metrics
grep -q '^vouch_source_subscribed 1' resp || fail "the serve user did not subscribe"
ok

# Without the channel (Redis 7's resetchannels): polling alone, no outage.
VOUCH_SEGMENTS="redis://serve-nochannel:srvpw@127.0.0.1:$RPORT" start_server nochan.log --threads 1 --log-level notice
NC=$PID NCB=$BASE
wait_ready "$v3"
grep -q 'SUBSCRIBE vouch:segments: NOPERM' nochan.log || { cat nochan.log >&2; fail "no word of the refused SUBSCRIBE"; }
grep -q 'following vouch:segments:current by polling every 3 s' nochan.log || fail "no word of polling"
BASE=$NCB expect_req 200 GET /metrics
grep -q '^vouch_source_subscribed 0' resp || fail "vouch_source_subscribed is not 0"
expect_exit 0 "$VOUCH" publish v1.json --to "$PUB" --keep 2
BASE=$NCB wait_ready "$v1"
grep -q unreachable nochan.log && fail "a refused SUBSCRIBE was taken for an outage"
ok

# A publisher without DEL, or without ZREVRANGE: exit 1, nothing changed.
before=$(rcli get vouch:segments:current)
expect_exit 1 "$VOUCH" publish v4.json --to "redis://publish-nodel:pubpw@127.0.0.1:$RPORT" --keep 1
expect_stderr "DEL vouch:segments:"
expect_stderr "NOPERM"
expect_stderr ": nothing changed"
expect_exit 1 "$VOUCH" publish v4.json --to "redis://publish-norange:pubpw@127.0.0.1:$RPORT"
expect_stderr "ZREVRANGE"
expect_stderr "nothing changed"
[ "$(rcli get vouch:segments:current)" = "$before" ] || fail "current moved"
[ "$(rcli exists "vouch:segments:$v4")" = 0 ] || fail "the refused version was stored"
ok

# A versions key of the wrong type: refused before MULTI, nothing changed.
rcli rename vouch:segments:versions saved-versions >/dev/null
rcli set vouch:segments:versions oops >/dev/null
expect_exit 1 "$VOUCH" publish v4.json --to "$PUB"
expect_stderr "vouch:segments:versions is a string, not a zset: nothing changed"
[ "$(rcli get vouch:segments:current)" = "$before" ] || fail "current moved"
[ "$(rcli exists "vouch:segments:$v4")" = 0 ] || fail "EXEC applied in part"
rcli del vouch:segments:versions >/dev/null
rcli rename saved-versions vouch:segments:versions >/dev/null
ok

# Passwords in odd URLs: never printed.
for url in "redis://vouch-publish:s3/cr3t@127.0.0.1:$RPORT" "REDIS://:s3cr3t@127.0.0.1:$RPORT" \
	"redis://vouch-publish:s3@cr3t@127.0.0.1:$RPORT/0" "redis://:s3?cr3t@127.0.0.1:$RPORT" \
	"redis://:s3#cr3t@127.0.0.1:$RPORT"; do
	expect_exit 1 "$VOUCH" publish v1.json --to "$url"
	expect_stderr "authentication failed"
	grep -q 's3.\?cr3t' stderr && fail "'$url': the password was printed: $(cat stderr)"
	ok
done
for url in "redis://:s3cr3t@127.0.0.1:$RPORT/0?x=1" "redis:/:s3cr3t@127.0.0.1:$RPORT" \
	"redis://:s3cr3t" "rediss://:s3cr3t@h" "redis-sentinel://:s3cr3t@h:1" \
	"redis://:s3cr3t@h1:1,h2:2"; do
	expect_exit 2 "$VOUCH" publish v1.json --to "$url"
	grep -q 's3.\?cr3t' stderr && fail "'$url': the password was printed: $(cat stderr)"
	ok
done
expect_exit 2 "$VOUCH" serve --segments "redis:/:s3cr3t@127.0.0.1:$RPORT" --port 0
expect_stderr "vouch serve: --segments: redis URL 'redis:/***@127.0.0.1:$RPORT'"
grep -q s3cr3t stderr && fail "the password was printed"
VOUCH_SEGMENTS="redis://:s3cr3t@h:1/x" expect_exit 2 "$VOUCH" serve --port 0
expect_stderr "vouch serve: VOUCH_SEGMENTS: redis URL 'redis://***@h:1/x': the database"
expect_exit 2 "$VOUCH" serve --segments "redis://127.0.0.1:$RPORT" --prefix 'a b'
expect_stderr "vouch serve: --prefix: the key prefix may not hold white space"
VOUCH_PREFIX=' ' expect_exit 2 "$VOUCH" serve --segments "redis://127.0.0.1:$RPORT"
expect_stderr "vouch serve: VOUCH_PREFIX: the key prefix"
expect_exit 2 "$VOUCH" serve --segments "redis-cluster://127.0.0.1:$RPORT"
expect_stderr "Redis Cluster is not supported"
expect_exit 2 "$VOUCH" publish v1.json --to "redis://127.0.0.1:7000,127.0.0.1:7001"
expect_stderr "Redis Cluster is not supported"
# An upper-case scheme is a URL, not a file: masked in the server's log too.
VOUCH_SEGMENTS="REDIS://vouch-serve:s3cr3t@127.0.0.1:$RPORT" start_server upper.log --threads 1 --log-level notice
for i in $(seq 100); do
	grep -q 'authentication failed' upper.log && break
	sleep 0.05
done
grep -q "redis://vouch-serve@127.0.0.1:$RPORT/0: authentication failed" upper.log || { cat upper.log >&2; fail "no masked failure"; }
grep -q s3cr3t upper.log && fail "the password was logged"
stop_server

# process --publish: checked before the pipeline runs; VOUCH_PUBLISH is its environment form.
expect_exit 2 "$VOUCH" process -i o1.csv -o never.json -q --publish "redis:/:s3cr3t@h"
expect_stderr "vouch process: --publish: redis URL 'redis:/***@h'"
[ ! -e never.json ] || fail "the pipeline ran before the URL was checked"
grep -q s3cr3t stderr && fail "the password was printed"
expect_exit 2 "$VOUCH" process -i o1.csv -o never.json -q --publish "redis-cluster://h"
expect_stderr "Redis Cluster is not supported"
VOUCH_PUBLISH="$PUB" expect_exit 0 "$VOUCH" process -i o4.csv -c all -o p4.json -q
[ "$(rcli get vouch:segments:current)" = "$v4" ] || fail "VOUCH_PUBLISH did not publish"
ok

# A sentinel with its own ACL user (the documented rule), and a data node with
# another: both passwords kept apart and out of every message and endpoint.
{
	echo "port $SPORT"
	echo "bind 127.0.0.1"
	echo "daemonize no"
	echo "dir $VOUCH_WORK"
	echo "sentinel monitor aclmaster 127.0.0.1 $RPORT 1"
} >sentinel.conf
redis-sentinel sentinel.conf >sentinel.log 2>&1 &
PIDS+=($!)
for i in $(seq 100); do
	[ "$(redis-cli -p "$SPORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.05
done
setuser "$SPORT" vouch-sentinel sntpw
redis-cli -p "$SPORT" acl setuser default off >/dev/null
SURL="redis-sentinel://vouch-publish:pubpw@127.0.0.1:$SPORT/aclmaster"
expect_exit 1 "$VOUCH" publish v2.json --to "$SURL"
expect_stderr "no primary found for master 'aclmaster'"
VOUCH_SENTINEL_USER=vouch-sentinel VOUCH_SENTINEL_PASSWORD=wrongsnt expect_exit 1 "$VOUCH" publish v2.json --to "$SURL"
expect_stderr "authentication failed"
grep -q wrongsnt stderr && fail "the sentinel password was printed"
export VOUCH_SENTINEL_USER=vouch-sentinel VOUCH_SENTINEL_PASSWORD=sntpw
expect_exit 0 "$VOUCH" publish v2.json --to "$SURL"
expect_stderr "to redis-sentinel://vouch-publish@127.0.0.1:$SPORT/aclmaster/0 (primary 127.0.0.1:$RPORT)"
VOUCH_SEGMENTS="redis-sentinel://vouch-serve:srvpw@127.0.0.1:$SPORT/aclmaster" start_server sent.log --threads 1 --log-level debug
wait_ready "$v2"
expect_req 200 GET /segments
expect_resp a.source "redis-sentinel://vouch-serve@127.0.0.1:$SPORT/aclmaster/0/vouch:segments:current"
expect_resp a.address "127.0.0.1:$RPORT"
cp resp segments.json
expect_req 200 GET /metrics
cp resp metrics.txt
expect_exit 0 "$VOUCH" publish v3.json --to "$SURL" -q
wait_ready "$v3"
unset VOUCH_SENTINEL_USER VOUCH_SENTINEL_PASSWORD
stop_server
for f in serve.log nochan.log sent.log segments.json metrics.txt; do
	if grep -qE 'srvpw|pubpw|sntpw' "$f"; then
		fail "a password in $f: $(grep -E 'srvpw|pubpw|sntpw' "$f" | head -n 3)"
	fi
	ok
done

PID=$SV stop_server
PID=$NC stop_server
finish
