#!/usr/bin/env bash
# Bad input: exit 1 with one line naming the file (and row or column where
# known), never a crash, and the previous artifact left untouched.
. "$(dirname "$0")/lib.sh"

"$VOUCH" gen --rows 2000 -o good.csv
"$VOUCH" process -q -i good.csv -o out.json || fail "good run failed"
good_sum=$(sha256sum out.json)
ls -a >before.txt

# refuse FILE TEXT...: processing FILE fails with exit 1, naming FILE and TEXT.
refuse() {
	local file=$1
	shift
	expect_exit 1 "$VOUCH" process -q -i "$file" -o out.json
	[ "$(wc -l <stderr)" -eq 1 ] || { cat stderr >&2; fail "$file: message is not one line"; }
	expect_stderr "$file"
	for t in "$@"; do expect_stderr "$t"; done
	[ "$(sha256sum out.json)" = "$good_sum" ] || fail "$file: the previous artifact changed"
	ok
}

H='timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount'
printf '%s\n' "$H" '2018-07-21,Peru,2018-04-20,2017-01-01,1.0,10' '2018-07-21,Peru,2018-04-20' >ragged.csv
refuse ragged.csv "row 2"
printf '%s\n' "$H" '2018-07-21,"Peru,2018-04-20,2017-01-01,1.0,10' >unterminated.csv
refuse unterminated.csv "unterminated"
printf 'timestamp,country_code,last_order_ts,first_order_ts,total_orders\n2018-07-21,Peru,2018-04-20,2017-01-01,1\n' >missing-col.csv
refuse missing-col.csv "voucher_amount"
: >empty.csv
refuse empty.csv "empty"
mkdir -p emptydir
refuse emptydir "no data files"
refuse does-not-exist.parquet "No such file"

if [ -f "$REAL" ]; then
	size=$(stat -c %s "$REAL")
	for cut in 4 100 1000 100000 2000000 $((size - 100)) $((size - 8)) $((size - 1)); do
		head -c "$cut" "$REAL" >truncated-$cut.parquet
		expect_exit 1 "$VOUCH" process -q -i truncated-$cut.parquet -o out.json
		expect_stderr "truncated-$cut.parquet"
		[ "$(sha256sum out.json)" = "$good_sum" ] || fail "truncated: the previous artifact changed"
	done
	# Corrupt bytes in the middle of the column data: an error or valid rows, never a crash.
	for off in 300 5000 260000 2110300 2500000 2800000; do
		cp "$REAL" flipped.parquet
		printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of=flipped.parquet bs=1 seek=$off conv=notrunc status=none
		code=0
		"$VOUCH" process -q -i flipped.parquet -o flipped.json 2>stderr || code=$?
		[ $code -eq 0 ] || [ $code -eq 1 ] || fail "flipped at $off: exit $code"
		[ $code -eq 0 ] || grep -q flipped.parquet stderr || fail "flipped at $off: $(cat stderr)"
		ok
	done
fi

# No temporary files left behind by the failed runs.
ls -a | grep -q '\.tmp\.' && fail "temporary files left: $(ls -a | grep '\.tmp\.')"
ok

# Write failures: a missing folder, a read-only folder, a file size limit.
expect_exit 1 "$VOUCH" process -q -i good.csv -o no/such/dir/out.json
expect_stderr "no/such/dir/out.json"
mkdir -p ro && cp out.json ro/out.json && chmod 555 ro
if ! touch ro/probe 2>/dev/null; then
	expect_exit 1 "$VOUCH" process -q -i good.csv -c all -o ro/out.json
	cmp -s out.json ro/out.json || fail "read-only folder: artifact changed"
fi
rm -f ro/probe
chmod 755 ro
expect_exit 1 bash -c "ulimit -f 1; exec '$VOUCH' process -q -i good.csv -c all -o ro/out.json"
cmp -s out.json ro/out.json || fail "file size limit: artifact changed"
ls -a ro | grep -q '\.tmp\.' && fail "file size limit: temporary file left"
ok
finish
