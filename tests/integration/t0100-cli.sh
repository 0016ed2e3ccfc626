#!/usr/bin/env bash
# The command line: help, version, usage errors (exit 2), and the whole
# pipeline on generated sample data (no ../shared needed): process, and clean
# then segment giving the same artifact.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$VOUCH" --version
grep -qE '^vouch [0-9]+\.[0-9]+\.[0-9]+$' stdout || fail "--version prints '$(cat stdout)'"
expect_exit 0 "$VOUCH" --help
grep -q 'process' stdout || fail "--help lists no commands"
for cmd in process clean segment inspect gen; do
	expect_exit 0 "$VOUCH" $cmd --help
	grep -q "usage: vouch $cmd" stdout || fail "$cmd --help has no usage line"
done
expect_exit 2 "$VOUCH"
expect_exit 2 "$VOUCH" frobnicate
expect_stderr "unknown command 'frobnicate'"
expect_exit 2 "$VOUCH" process -o out.json
expect_stderr "no input"
expect_exit 2 "$VOUCH" process -i x.csv
expect_stderr "no output"
expect_exit 2 "$VOUCH" process -i x.csv -o out.json --bogus
expect_stderr "unknown option '--bogus'"
expect_exit 2 "$VOUCH" process -i x.csv -o out.json -c
expect_exit 2 "$VOUCH" gen --rows abc -o x.csv
expect_exit 2 "$VOUCH" segment -i x.csv -o y.json -c Peru

# Sample data, deterministic: same seed, same bytes.
expect_exit 0 "$VOUCH" gen --rows 50000 -o sample.csv
expect_exit 0 "$VOUCH" gen --rows 50000 -o sample2.csv
cmp -s sample.csv sample2.csv || fail "gen is not deterministic"
ok
head -1 sample.csv | grep -qx 'timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount' ||
	fail "gen header is '$(head -1 sample.csv)'"
[ "$(wc -l <sample.csv)" -eq 50001 ] || fail "gen wrote $(wc -l <sample.csv) lines"
ok

expect_exit 0 "$VOUCH" process -i sample.csv -o a.json
expect_stderr "rows read 50000"
expect_json 'a.format' a.json 'vouch-segments/1'
expect_json 'a.quality.rows_read' a.json 50000
expect_json 'a.countries_selected' a.json '["Peru"]'
expect_json 'Object.keys(a.countries.Peru.segments.recency_segment)' a.json '["30-60","61-90","91-120","121-180","180+"]'
expect_json 'a.quality.rows_kept === a.countries.Peru.rows' a.json true
expect_json 'Object.values(a.quality.dropped).reduce((x, y) => x + y, 0) + a.quality.rows_kept' a.json 50000
expect_json '/^[0-9a-f]{64}$/.test(a.version) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(a.built_at)' a.json true
expect_json 'a.sources[0].rows + "/" + a.sources[0].bytes' a.json "50000/$(stat -c %s sample.csv)"
expect_json 'a.sources[0].sha256' a.json "$(sha256sum sample.csv | cut -d' ' -f1)"

# The summary accounts for every kept row: per segment, rows in buckets +
# outside + missing total_orders = the country's kept rows (issue 19); an
# empty bucket shows the fallback amount it answers; the version is whole.
cp stderr summary.txt
kept=$(json 'a.countries.Peru.rows' a.json)
grep -q "^Peru: $kept rows kept, fallback voucher $(json 'a.countries.Peru.fallback.voucher_amount' a.json)$" summary.txt ||
	{ cat summary.txt >&2; fail "no Peru line in the summary"; }
n=0
while read -r seg in _ _ plus out _ _ plus2 rest; do
	sum=$((in + out))
	case $rest in
	*"missing total_orders = "*) miss=${rest%% *}; sum=$((sum + miss)) ;;
	esac
	[ "${rest##*= }" = "$kept kept" ] && [ "$sum" -eq "$kept" ] || fail "segment line does not add up: $seg $in $out $rest"
	n=$((n + 1))
done < <(grep -E '^  [a-z_]+: [0-9]+ in buckets \+ [0-9]+ outside buckets' summary.txt)
[ "$n" -eq 2 ] || { cat summary.txt >&2; fail "$n segment lines, expected 2"; }
grep -q "frequent_segment: .* + $(json 'a.quality.outside_buckets.frequent_segment' a.json) outside buckets + $(json 'a.quality.missing_total_orders' a.json) missing total_orders = $kept kept" summary.txt ||
	fail "the frequent_segment line is not the artifact's figures"
if grep -q ' 0 rows  voucher' summary.txt; then
	grep ' 0 rows  voucher' summary.txt | grep -qv "voucher $(json 'a.countries.Peru.fallback.voucher_amount' a.json) (fallback)$" &&
		fail "an empty bucket does not show the fallback amount: $(grep ' 0 rows  voucher' summary.txt)"
fi
grep -qx "wrote a.json (version $(json a.version a.json))" summary.txt || fail "the summary's version is not the full one"
ok

# vouch merge's summary accounts the same way as process's (each country's
# outside counts come from the parts).
cp sample.csv other.csv
expect_exit 0 "$VOUCH" process -c all -i sample.csv -i other.csv -o pm.json
grep -E 'in buckets|rows kept' stderr >sum-process.txt
expect_exit 0 "$VOUCH" process -q --partial --shard 0/2 -c all -i sample.csv -i other.csv -o 0.vpart
expect_exit 0 "$VOUCH" process -q --partial --shard 1/2 -c all -i sample.csv -i other.csv -o 1.vpart
expect_exit 0 "$VOUCH" merge 0.vpart 1.vpart -o mm.json
grep -E 'in buckets|rows kept' stderr >sum-merge.txt
[ -s sum-process.txt ] && diff sum-process.txt sum-merge.txt || fail "merge's accounting differs from process's"
ok

# Two runs give the same version; -q silences the summary.
expect_exit 0 "$VOUCH" process -q -i sample.csv -o b.json
[ ! -s stderr ] || fail "-q still printed: $(cat stderr)"
expect_json 'a.version' b.json "$(json a.version a.json)"

# clean then segment == process, for one country and for all.
for sel in Peru all "China,Latvia"; do
	expect_exit 0 "$VOUCH" process -q -i sample.csv -c "$sel" -o p.json
	expect_exit 0 "$VOUCH" clean -i sample.csv -c "$sel" -o clean.csv
	grep -q 'in buckets' stderr && fail "clean printed the segment tables unasked"
	expect_stderr "wrote clean.csv and clean.csv.meta.json"
	[ -f clean.csv.meta.json ] || fail "clean wrote no clean.csv.meta.json"
	head -1 clean.csv | grep -q ',days_since_last_order$' || fail "clean.csv header: $(head -1 clean.csv)"
	[ "$(($(wc -l <clean.csv) - 1))" = "$(json a.quality.rows_kept p.json)" ] || fail "clean.csv rows != rows_kept"
	expect_exit 0 "$VOUCH" segment -q -i clean.csv -o s.json
	expect_json 'a.version' s.json "$(json a.version p.json)"
done
expect_json 'a.countries_selected' p.json '["China","Latvia"]'
expect_exit 0 "$VOUCH" clean --tables -i sample.csv -c Peru -o clean2.csv
expect_stderr "frequent_segment: "
expect_exit 2 "$VOUCH" process --tables -i sample.csv -o x.json

# A broken metadata file is refused, naming it.
cp clean.csv.meta.json meta.bak
echo '{"format": "something-else"}' >clean.csv.meta.json
expect_exit 1 "$VOUCH" segment -q -i clean.csv -o s3.json
expect_stderr "clean.csv.meta.json: not a vouch clean metadata file"
# A figure that is not a whole number is refused, naming the key (it was truncated once).
sed 's/"rows_read": [0-9]*/"rows_read": 1.5/' meta.bak >clean.csv.meta.json
grep -q '"rows_read": 1.5' clean.csv.meta.json || fail "the edit of rows_read did not apply"
expect_exit 1 "$VOUCH" segment -q -i clean.csv -o s3.json
expect_stderr "clean.csv.meta.json: quality.rows_read: expected a whole number >= 0"
[ ! -e s3.json ] || fail "segment wrote s3.json from a refused .meta.json"
# Rows edited after cleaning no longer match their metadata.
mv meta.bak clean.csv.meta.json
head -n -1 clean.csv >short.csv
cp clean.csv.meta.json short.csv.meta.json
expect_exit 1 "$VOUCH" segment -q -i short.csv -o s3.json
expect_stderr "do not match their .meta.json"

# A clean CSV without its metadata: every row taken as kept, every country selected.
rm clean.csv.meta.json
expect_exit 0 "$VOUCH" segment -q -i clean.csv -o s2.json
expect_json 'a.quality.rows_read === a.quality.rows_kept' s2.json true
expect_json 'a.countries_selected' s2.json '["China","Latvia"]'
expect_json 'JSON.stringify(a.countries)' s2.json "$(json 'JSON.stringify(a.countries)' p.json)"

# A segments config replaces the definitions.
cat >cfg.json <<'JSON'
{"segments": {"loyal": {"field": "total_orders", "buckets": [{"min": 0, "max": 9}, {"name": "10+", "min": 10}]}}}
JSON
expect_exit 0 "$VOUCH" process -q -i sample.csv --segments-config cfg.json -o c.json
expect_json 'Object.keys(a.segments)' c.json '["loyal"]'
expect_json 'Object.keys(a.countries.Peru.segments.loyal)' c.json '["0-9","10+"]'
expect_json 'a.quality.outside_buckets' c.json '{"loyal":0}'
echo '{"segments": {"x": {"field": "nope", "buckets": [{"min": 0}]}}}' >bad.json
expect_exit 1 "$VOUCH" process -q -i sample.csv --segments-config bad.json -o c.json
expect_stderr 'bad.json: segments.x.field: expected "total_orders" or "days_since_last_order"'

# inspect on CSV
expect_exit 0 "$VOUCH" inspect sample.csv
grep -q 'rows: 50000' stdout || fail "inspect CSV: $(cat stdout)"
ok

# lookup: REQUEST as an argument, or - for standard input (a pipe, a file);
# 200 is exit 0, any other answer exit 1.
r='{"customer_id":1,"country_code":"Peru","last_order_ts":"2018-05-03 00:00:00","first_order_ts":"2017-05-03 00:00:00","total_orders":15,"segment_name":"frequent_segment"}'
expect_exit 0 "$VOUCH" lookup --segments a.json --as-of 2018-06-01 "$r"
cp stdout lookup-arg.json
echo "$r" | "$VOUCH" lookup --segments a.json --as-of 2018-06-01 - >stdout 2>stderr ||
	{ cat stderr >&2; fail "lookup - from a pipe failed"; }
cmp -s stdout lookup-arg.json || fail "lookup - from a pipe: $(cat stdout)"
echo "$r" >req.json
expect_exit 0 "$VOUCH" lookup --segments a.json --as-of 2018-06-01 - <req.json
cmp -s stdout lookup-arg.json || fail "lookup - from a file: $(cat stdout)"
expect_json 'a.bucket' lookup-arg.json '14-37'
echo '{"customer_id":1}' | "$VOUCH" lookup --segments a.json - >stdout 2>stderr && fail "an invalid request exited 0"
grep -q '"field":"country_code"' stdout || fail "lookup - of an invalid request: $(cat stdout)"
ok
# customer_id is an integer of at most 2^53-1 in size (README).
expect_exit 0 "$VOUCH" lookup --segments a.json --as-of 2018-06-01 "${r/\"customer_id\":1/\"customer_id\":9007199254740991}"
expect_exit 1 "$VOUCH" lookup --segments a.json --as-of 2018-06-01 "${r/\"customer_id\":1/\"customer_id\":9007199254740992}"
grep -q '"field":"customer_id"' stdout || fail "2^53 as customer_id: $(cat stdout)"
ok
finish
