#!/usr/bin/env bash
# Country, segment and bucket names (issue 14, items 13, 17 and 18).
# - Names that JSON cannot carry as distinct keys (bytes that are not UTF-8,
#   a NUL) are refused where they enter, -c all in the data (exit 1 naming
#   file, row and column), a segments config (exit 1), -c (exit 2), so every
#   artifact `process` writes is one `serve` loads; odd but valid names
#   (quotes, backslashes, control characters, emoji, other scripts) load.
# - Case folding is Unicode's (simple folding): -c PERÚ keeps Perú, PERÚ and
#   perú, as DuckDB's lower() does; -c all makes them one country; the API
#   finds it under any case.
# - Names are at most 256 bytes (docs/SECURITY.md), enforced per row with
#   -c all; a run past the countries limit names file, row and limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

header='timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount'
row() { printf '2018-06-15 10:00:00,%s,2018-05-01,2017-01-01,2,100\n' "$1"; }

# 1. Names that differ only in bytes that are not UTF-8, or in a NUL.
{ echo "$header"; row Peru; row $'Per\xfa'; row $'Per\xf9'; } >latin1.csv
expect_exit 1 "$VOUCH" process -q -i latin1.csv -c all -o latin1.json
expect_stderr "latin1.csv: row 2: column 'country_code': the country name is not valid UTF-8 (byte 0xfa at offset 3)"
[ ! -e latin1.json ] || fail "an artifact was written"
{ echo "$header"; row Peru; printf '2018-06-15 10:00:00,"Peru\0",2018-05-01,2017-01-01,2,100\n'; } >nul.csv
expect_exit 1 "$VOUCH" process -q -i nul.csv -c all -o nul.json
expect_stderr "nul.csv: row 2: column 'country_code': the country name holds a NUL byte"
# Under a named selection they are just other countries.
expect_exit 0 "$VOUCH" process -q -i latin1.csv -c Peru -o peru.json
expect_json 'a.quality.dropped.other_country' peru.json 2
expect_exit 2 "$VOUCH" process -q -i latin1.csv -c $'Per\xfa' -o x.json
expect_stderr "selected country 1 is not valid UTF-8"
# vouch clean, then vouch segment without the metadata (-c all implied), refuses the same.
printf '%s,days_since_last_order\n2018-06-15T10:00:00Z,Per\xfa,2018-05-01,2017-01-01,2,100,45\n' "$header" >cleaned.csv
expect_exit 1 "$VOUCH" segment -q -i cleaned.csv -o seg.json
expect_stderr "cleaned.csv: row 1: column 'country_code': the country name is not valid UTF-8"

# 2. A segments config whose names differ only in such bytes, or after a NUL.
{ echo "$header"; row Peru; } >peru.csv
printf '{"segments": [{"name": "s", "field": "total_orders", "buckets": [{"name": "b\xfa", "min": 0, "max": 3}, {"name": "b\xf9", "min": 4}]}]}' >cfg-latin1.json
expect_exit 1 "$VOUCH" process -q -i peru.csv --segments-config cfg-latin1.json -o x.json
expect_stderr "cfg-latin1.json: segments[0].buckets[0].name: the bucket name is not valid UTF-8"
printf '{"segments": {"s\xfa": {"field": "total_orders", "buckets": [{"min": 0}]}, "s\xf9": {"field": "total_orders", "buckets": [{"min": 0}]}}}' >cfg-seg.json
expect_exit 1 "$VOUCH" process -q -i peru.csv --segments-config cfg-seg.json -o x.json
expect_stderr "the segment name is not valid UTF-8"
cat >cfg-nul.json <<'JSON'
{"segments": [{"name": "s", "field": "total_orders", "buckets": [{"name": "b\u0000x", "min": 0, "max": 3}, {"name": "b\u0000y", "min": 4}]}]}
JSON
expect_exit 1 "$VOUCH" process -q -i peru.csv --segments-config cfg-nul.json -o x.json
expect_stderr 'cfg-nul.json: a string holds \u0000 (at byte 76): names cannot hold a NUL'
[ ! -e x.json ] || fail "an artifact was written for a refused config"
# An escaped backslash before u0000 is text, not a NUL.
cat >cfg-bs.json <<'JSON'
{"segments": [{"name": "s\\u0000", "field": "total_orders", "buckets": [{"min": 0}]}]}
JSON
expect_exit 0 "$VOUCH" process -q -i peru.csv --segments-config cfg-bs.json -o bs.json
expect_json 'Object.keys(a.segments)[0]' bs.json 's\u0000'
ok

# 3. Odd but valid names go through and load in serve: every artifact process writes loads.
{
	echo "$header"
	row '"Pe""ru"'                    # a quote
	row 'Back\slash'
	row $'Tab\tin'
	row $'Bell\x01'
	row '🇵🇪'
	row 'Ελλάδα'
	row 'ΕΛΛΆΔΑ'
	row '中国'
	row 'עברית'
	row "$(printf 'x%.0s' $(seq 256))" # exactly the limit
} >odd.csv
cat >cfg-odd.json <<'JSON'
{"segments": [{"name": "seg \"quoted\" \\ é", "field": "total_orders",
  "buckets": [{"name": "\u0001 low", "min": 0, "max": 3}, {"name": "🙂", "min": 4}]}]}
JSON
expect_exit 0 "$VOUCH" process -q -i odd.csv -c all --segments-config cfg-odd.json -o odd.json
expect_json 'Object.keys(a.countries).length' odd.json 9
expect_json 'a.countries_selected.includes("Ελλάδα") || a.countries_selected.includes("ΕΛΛΆΔΑ")' odd.json true
start_server odd.log --segments odd.json --log-level notice
wait_ready "$(json 'a.version' odd.json)"
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"ελλάδα","segment_name":"seg \"quoted\" \\ é","total_orders":2}'
expect_resp 'a.bucket' $'\x01 low'
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Bell\u0001","segment_name":"seg \"quoted\" \\ é","total_orders":9}'
expect_resp 'a.bucket' '🙂'
stop_server

# 4. Unicode case folding: -c PERÚ keeps every case of Perú, like DuckDB's lower().
{
	echo "$header"
	row Perú; row PERÚ; row perú; row ' pErÚ '; row Peru; row PERU; row 'STRASSE'; row 'straße'
} >peru-cases.csv
expect_exit 0 "$VOUCH" process -i peru-cases.csv -c PERÚ -o cases.json
expect_json 'a.quality.rows_kept' cases.json 4
expect_json 'Object.keys(a.countries).join()' cases.json PERÚ
expect_exit 0 "$VOUCH" process -q -i peru-cases.csv -c all -o cases-all.json
expect_json 'Object.keys(a.countries).join()' cases-all.json 'PERU,PERÚ,STRASSE,straße'
expect_json 'a.countries["PERÚ"].rows' cases-all.json 4
expect_exit 0 "$VOUCH" lookup --segments cases-all.json '{"customer_id":1,"country_code":"perú","segment_name":"frequent_segment","total_orders":2}'
grep -q '"country_code":"PERÚ"' stdout || fail "lookup of perú: $(cat stdout)"
# A partial result keys a selected country by its Unicode-folded name, as
# -c all keys a spelling (it was ASCII-lowered: "perÚ"), and merges back.
expect_exit 0 "$VOUCH" process -q -i peru-cases.csv -c PERÚ --partial -o cases.part
expect_exit 0 "$VOUCH" inspect cases.part
grep -qF 'country per\xc3\xba' stdout || fail "the part's key is not perú: $(grep country stdout)"
expect_exit 0 "$VOUCH" merge -q cases.part -o cases-merged.json
expect_json 'a.version' cases-merged.json "$(node -e 'console.log(JSON.parse(require("fs").readFileSync("cases.json")).version)')"
ok
if [ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/@duckdb/node-api" ]; then
	duckdb_sql "COPY (SELECT count(*) AS n FROM read_csv('peru-cases.csv', all_varchar=true)
		WHERE lower(trim(country_code)) = lower('PERÚ')) TO 'duck.csv' (HEADER false)"
	[ "$(tr -d '\r\n' <duck.csv)" = 4 ] || fail "DuckDB's lower() keeps $(cat duck.csv) rows, vouch 4"
	ok
else
	echo "note: DuckDB not installed ('make npm'): the lower() cross-check did not run"
fi

# 5. The name limit (256 bytes), per row under -c all; a named selection just does not match.
long=$(head -c 102400 /dev/zero | tr '\0' L)
{ echo "$header"; row Peru; row Peru; row "$long"; } >long.csv
expect_exit 1 "$VOUCH" process -q -i long.csv -c all -o long.json
expect_stderr "long.csv: row 3: column 'country_code': the country name is 102400 bytes long, more than the limit of 256"
[ ! -e long.json ] || fail "an artifact was written"
expect_exit 0 "$VOUCH" process -q -i long.csv -o long.json
expect_json 'a.quality.dropped.other_country' long.json 1
{ echo "$header"; row "$(printf 'y%.0s' $(seq 257))"; } >257.csv
expect_exit 1 "$VOUCH" process -q -i 257.csv -c all -o x.json
expect_stderr "is 257 bytes long, more than the limit of 256"
expect_exit 2 "$VOUCH" process -q -i 257.csv -c "$(printf 'y%.0s' $(seq 257))" -o x.json
expect_stderr "is 257 bytes long, more than the limit of 256"

# 6. Past the countries limit: the message names file, row, column and the limit.
{ echo "$header"; for i in $(seq 4097); do row "C$i"; done; } >many.csv
expect_exit 1 "$VOUCH" process -q -i many.csv -c all -o many.json
expect_stderr "many.csv: row 4097: column 'country_code': more than 4096 distinct countries"
finish
