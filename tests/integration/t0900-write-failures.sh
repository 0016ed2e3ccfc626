#!/usr/bin/env bash
# Write failures: the artifact cannot be written (file size limit, read-only
# folder, missing folder): exit 1, one line naming the path, the previous
# artifact byte for byte, no temporary file left.  kill -9 at many points of
# a build: the artifact is always the old one or a whole new one, and the
# only other file a killed run may leave is its hidden temporary file, which
# no reader takes for the artifact.
. "$(dirname "$0")/lib.sh"

"$VOUCH" gen --rows 3000 -o old.csv --seed 1
"$VOUCH" gen --rows 3000 -o new.csv --seed 2
mkdir -p out
"$VOUCH" process -q -c all -i old.csv -o out/segments.json || fail "first run failed"
cp out/segments.json old.json

# same_as_old: out/segments.json is still the first artifact, and nothing else is in out/.
same_as_old() {
	cmp -s out/segments.json old.json || fail "$1: the previous artifact changed"
	[ "$(ls -A out)" = "segments.json" ] || fail "$1: left files behind: $(ls -A out | tr '\n' ' ')"
	ok
}

# refused WHAT PATH: the last command failed with exit 1 and one line naming PATH.
refused() {
	[ "$(wc -l <stderr)" -eq 1 ] || { cat stderr >&2; fail "$1: message is not one line"; }
	expect_stderr "$2"
}

# 1. File size limit (ulimit -f, in KiB): the write fails with EFBIG.
expect_exit 1 bash -c "ulimit -f 2; exec \"\$0\" process -q -c all -i new.csv -o out/segments.json" "$VOUCH"
refused "ulimit -f" "out/segments.json"
expect_stderr "too large"
same_as_old "ulimit -f"

# 2. Read-only folder.  root writes anywhere, so as root the run drops to nobody.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || { echo "skip: root without setpriv"; exit 77; }
	as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	chmod 755 "$VOUCH_WORK"
	chmod 644 new.csv
fi
chmod 555 out
expect_exit 1 "${as_user[@]}" "$VOUCH" process -q -c all -i new.csv -o out/segments.json
chmod 755 out
refused "read-only folder" "out/segments.json"
expect_stderr "ermission denied"
same_as_old "read-only folder"

# 3. Missing folder.
expect_exit 1 "$VOUCH" process -q -c all -i new.csv -o missing/dir/segments.json
refused "missing folder" "missing/dir/segments.json"
[ ! -e missing ] || fail "missing folder: created"
same_as_old "missing folder"

# 4. A write that succeeds after all that replaces the artifact.
expect_exit 0 "$VOUCH" process -q -c all -i new.csv -o out/segments.json
cp out/segments.json new.json
cmp -s new.json old.json && fail "the new artifact equals the old one"
cp old.json out/segments.json

# 5. kill -9 during builds of a large input, at delays spread over a run
# (a smaller input under ASan, which runs about fifteen times slower).
rows=1500000
case "$(ldd "$VOUCH" 2>/dev/null)" in *libasan*) rows=200000 ;; esac
"$VOUCH" gen --rows "$rows" -o big.csv --seed 3
"$VOUCH" process -q -c all -i big.csv -o big.json
start=$(date +%s%N)
"$VOUCH" process -q -c all -i big.csv -o big2.json
run_ms=$((($(date +%s%N) - start) / 1000000))
# The canonical content of an artifact (its version), to tell whole new ones.
big_version=$(json 'a.version' big.json)
old_version=$(json 'a.version' old.json)
replaced=0
kept=0
leftover=0
for pct in 5 15 30 45 60 75 85 92 96 98 99 100 102 105; do
	"$VOUCH" process -q -c all -i big.csv -o out/segments.json &
	pid=$!
	sleep "$(awk -v ms="$run_ms" -v p="$pct" 'BEGIN { printf "%.3f", ms * p / 100000 }')"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	"$VOUCH" lookup --segments out/segments.json \
		'{"customer_id":1,"country_code":"Peru","total_orders":3,"segment_name":"frequent_segment"}' \
		>/dev/null 2>stderr || { cat stderr >&2; fail "kill at ${pct}%: the artifact is not a whole one"; }
	v=$(json 'a.version' out/segments.json)
	if [ "$v" = "$big_version" ]; then
		replaced=$((replaced + 1))
	elif [ "$v" = "$old_version" ] && cmp -s out/segments.json old.json; then
		kept=$((kept + 1))
	else
		fail "kill at ${pct}%: the artifact is neither the old nor the new one"
	fi
	for f in $(ls -A out); do
		case $f in
		segments.json) ;;
		.segments.json.tmp.??????) leftover=$((leftover + 1)); rm -f "out/$f" ;;
		*) fail "kill at ${pct}%: stray file out/$f" ;;
		esac
	done
	cp old.json out/segments.json
	ok
done
echo "kill -9 over a ${run_ms} ms run: $kept kept the old artifact, $replaced had replaced it," \
	"$leftover left a hidden temporary file"
# A hidden temporary file is not an input either (folders skip hidden files).
printf 'x' >out/.segments.json.tmp.ABCDEF
expect_exit 0 "$VOUCH" lookup --segments out/segments.json \
	'{"customer_id":1,"country_code":"Peru","total_orders":3,"segment_name":"frequent_segment"}'
rm -f big.csv big.json big2.json
echo "ok: $checks checks"
