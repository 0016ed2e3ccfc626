#!/usr/bin/env bash
# File-mode rollback: `vouch serve --keep 2` keeps the last two artifacts it
# loaded in PATH.versions/ (and no more: bounded disk); `vouch rollback`
# puts the previous one back at PATH, the running server loads it and
# answers it; --to picks a kept version; the errors (nothing earlier, a
# version not kept, a malformed version, a kept file that is broken, a Redis
# URL) have their messages and exit codes, and a refused rollback leaves
# PATH untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

for s in 1 2 3; do
	"$VOUCH" gen --rows 3000 -o "$s.csv" --seed "$s"
	expect_exit 0 "$VOUCH" process -q -c all -i "$s.csv" -o "$s.json"
done
A=$(json 'a.version' 1.json)
B=$(json 'a.version' 2.json)
C=$(json 'a.version' 3.json)
put() {
	cp "$1" live/.segments.json.new
	mv live/.segments.json.new live/segments.json
}
# kept: the versions in live/segments.json.versions, sorted.
kept() {
	ls live/segments.json.versions | sed 's/\.json$//' | sort | tr '\n' ' '
}
sorted() {
	printf '%s\n' "$@" | sort | tr '\n' ' '
}

mkdir live
cp 1.json live/segments.json
expect_exit 1 "$VOUCH" rollback --segments live/segments.json
expect_stderr "vouch rollback: no earlier artifact kept in live/segments.json.versions: nothing to roll back to (0 kept)"

start_server serve.log --segments live/segments.json --keep 2 --log-level notice
wait_ready "$A"
[ "$(kept)" = "$(sorted "$A")" ] || fail "kept '$(kept)', expected A"
ok
cmp 1.json "live/segments.json.versions/$A.json" || fail "the kept file is not the text served"
ok
expect_exit 1 "$VOUCH" rollback --segments live/segments.json
expect_stderr "no earlier artifact kept in live/segments.json.versions: nothing to roll back to (1 kept, the one at PATH now)"

put 2.json
wait_ready "$B"
put 3.json
wait_ready "$C"
# --keep 2: A was removed when C came.
[ "$(kept)" = "$(sorted "$B" "$C")" ] || fail "kept '$(kept)', expected B and C"
ok

expect_exit 0 "$VOUCH" rollback --segments live/segments.json --list
[ "$(wc -l <stdout)" -eq 2 ] || fail "--list printed: $(cat stdout)"
head -n 1 stdout | grep -q "^$C  .*  (at PATH now)$" || fail "--list: $(cat stdout)"
sed -n 2p stdout | grep -q "^$B  " || fail "--list: $(cat stdout)"
ok

# The rollback: the previous version is back at PATH and served.
expect_exit 0 "$VOUCH" rollback --segments live/segments.json
expect_stderr "rolled back live/segments.json to version $B (was $C)"
cmp 2.json live/segments.json || fail "PATH does not hold B's text"
ok
wait_ready "$B"
grep -q "loaded live/segments.json version=$B .*(file replaced)" serve.log || fail "no reload of B logged"
ok
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_orders":3}'
# Again: back to C (the one served just before B), like `cd -`.
expect_exit 0 "$VOUCH" rollback -q --segments live/segments.json
[ ! -s stderr ] || fail "-q printed: $(cat stderr)"
wait_ready "$C"
# --to: any kept version; the one at PATH already is nothing to do.
expect_exit 0 "$VOUCH" rollback --segments live/segments.json --to "$B"
wait_ready "$B"
expect_exit 0 "$VOUCH" rollback --segments live/segments.json --to "$B"
expect_stderr "live/segments.json already holds version $B: nothing changed"

# Errors.
expect_exit 1 "$VOUCH" rollback --segments live/segments.json --to "$A"
expect_stderr "vouch rollback: version $A is not kept in live/segments.json.versions"
expect_exit 2 "$VOUCH" rollback --segments live/segments.json --to 12abc
expect_stderr "vouch rollback: '12abc' is not a version (64 lower-case hex digits)"
expect_exit 2 "$VOUCH" rollback --segments live/segments.json --to "${A^^}"
expect_exit 2 "$VOUCH" rollback --to "$A"
expect_stderr "no artifact: give --segments PATH (or VOUCH_SEGMENTS)"
expect_exit 2 "$VOUCH" rollback --segments redis://127.0.0.1:6379 --to "$A"
expect_stderr "a Redis source rolls back with \`vouch publish --rollback VERSION --to URL\`"
expect_exit 2 "$VOUCH" rollback --segments live/segments.json --list --to "$A"
expect_exit 2 "$VOUCH" serve --segments live/segments.json --keep 1001
expect_stderr "--keep must be a whole number from 0 to 1000, not '1001'"
expect_exit 2 env VOUCH_KEEP=x "$VOUCH" serve --segments live/segments.json
expect_stderr "VOUCH_KEEP must be a whole number from 0 to 1000, not 'x'"
# A kept file that was damaged is refused, and PATH stays as it was.
printf '{"format":"vouch-segments/1"}' >"live/segments.json.versions/$C.json"
cp live/segments.json before.json
expect_exit 1 env VOUCH_SEGMENTS=live/segments.json "$VOUCH" rollback --to "$C"
expect_stderr "live/segments.json.versions/$C.json"
cmp before.json live/segments.json || fail "a refused rollback changed PATH"
ok
# A kept file under another version's name too.
cp 2.json "live/segments.json.versions/$C.json"
expect_exit 1 "$VOUCH" rollback --segments live/segments.json --to "$C"
expect_stderr "holds version $B, not the one its name says"
stop_server

# --keep 0 keeps nothing.
rm -rf live/segments.json.versions
start_server serve0.log --segments live/segments.json --keep 0 --log-level notice
wait_ready "$B"
[ ! -e live/segments.json.versions ] || fail "--keep 0 made live/segments.json.versions"
ok
stop_server

# A folder the server cannot write: a warning, and it serves on.
if [ "$(id -u)" != 0 ]; then
	mkdir ro
	cp 1.json ro/segments.json
	chmod 555 ro
	start_server ro.log --segments ro/segments.json --log-level notice
	wait_ready "$A"
	grep -q "cannot keep version $A for rollback: cannot create ro/segments.json.versions" ro.log ||
		{ cat ro.log >&2; fail "no warning for a folder it cannot write"; }
	ok
	stop_server
	chmod 755 ro
fi
finish
