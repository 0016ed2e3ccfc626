#!/usr/bin/env bash
# A hand-made hostile CSV: byte order mark, CRLF and LF mixed, empty lines,
# quoted fields with commas, doubled quotes and line breaks, extra columns
# before and after, order_ts for timestamp, a quoted header name, a 200 KB
# field, no line end at the end; one row per cleaning outcome, so the quality
# figures are known by hand.  The same file gzip-compressed gives the same
# artifact.  Then broken files: each error names the file, the row (and its
# line) and, where one is to blame, the column, exits 1 and writes nothing.
. "$(dirname "$0")/lib.sh"

long=$(head -c 200000 /dev/zero | tr '\0' 'a')
{
	printf '\xef\xbb\xbfextra,order_ts,country_code,"last_order_ts",first_order_ts,total_orders,voucher_amount,extra2\r\n'
	printf 'x,2018-07-21 18:59:21.102761,Peru,2018-04-20,2017-01-01,"2.0",2640.0,y\r\n'
	printf '\r\n'
	printf '"multi\nline, with ""quotes""",2018-07-21T10:00:00Z,"  peru ",2018-05-01,2017-01-01,15,4400,\r\n'
	printf ',2018-07-21,Peru,2018-06-01,2017-01-01,,2640,"%s"\n' "$long"
	printf '\n\n'
	printf ',2018-07-21,Chile,2018-06-01,2017-01-01,3,2640,\n'
	printf ',2018-07-21,Peru,2018-06-01,2018-06-02,3,2640,\n'
	printf ',not a date,Peru,2018-06-01,2017-01-01,3,2640,\n'
	printf ',2018-07-21,Peru,2018-06-01,2017-01-01,2.5,2640,\n'
	printf ',2018-07-21,Peru,2018-06-01,2017-01-01,3,,\n'
	printf ',2018-07-21,Peru,2018-06-01,2017-01-01,3,-5,\n'
	printf ',2018-05-01,Peru,2018-06-01,2017-01-01,3,2640,'
} >hostile.csv

expect_exit 0 "$VOUCH" process -q -i hostile.csv -o hostile.json
expect_json 'a.quality.rows_read' hostile.json 10
expect_json 'a.quality.rows_kept' hostile.json 3
expect_json 'a.quality.missing_total_orders' hostile.json 1
expect_json 'Object.values(a.quality.dropped).join(",")' hostile.json 1,1,1,1,1,1,1
expect_json 'a.countries.Peru.fallback' hostile.json '{"voucher_amount":2640,"rows":2}'
expect_json 'a.countries.Peru.segments.frequent_segment["0-4"].rows' hostile.json 1
expect_json 'a.countries.Peru.segments.frequent_segment["14-37"].counts' hostile.json '{"4400":1}'
expect_json 'a.countries.Peru.segments.recency_segment["30-60"].rows' hostile.json 1
expect_json 'a.countries.Peru.segments.recency_segment["61-90"].rows' hostile.json 1
expect_json 'a.countries.Peru.segments.recency_segment["91-120"].rows' hostile.json 1
gzip -c hostile.csv >hostile.csv.gz
expect_exit 0 "$VOUCH" process -q -i hostile.csv.gz -o hostile-gz.json
[ "$(json 'JSON.stringify([a.quality, a.countries])' hostile-gz.json)" = \
	"$(json 'JSON.stringify([a.quality, a.countries])' hostile.json)" ] || fail "gzip form differs"
ok

H='timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount'
R='2018-07-21,Peru,2018-06-01,2017-01-01,3,2640'
# broken NAME CONTENT TEXT...: the file fails with exit 1 and every TEXT in the message.
broken() {
	local name=$1 content=$2
	shift 2
	printf '%b' "$content" >"$name"
	rm -f out.json
	expect_exit 1 "$VOUCH" process -q -i "$name" -o out.json
	expect_stderr "$name: "
	for want in "$@"; do expect_stderr "$want"; done
	[ ! -e out.json ] || fail "$name: an artifact was written"
	ok
}
broken missing.csv "timestamp,country_code,last_order_ts,first_order_ts,total_orders\n" \
	"missing column 'voucher_amount'"
broken dup.csv "order_ts,$H\n" "duplicate column 'timestamp'"
broken ragged.csv "$H\n$R\n\n2018-07-21,Peru,2018-06-01,2017-01-01,3\n" \
	"row 2: " "expected 6 fields as in the header, found 5 (line 4)"
broken extra-field.csv "$H\r\n$R\r\n$R,surplus\r\n" "row 2: " "found 7 (line 3)"
broken quote.csv "$H\n$R\n2018-07-21,Pe\"ru,2018-06-01,2017-01-01,3,2640\n" \
	"row 2: column 'country_code': quote inside an unquoted field (line 3)"
broken after-quote.csv "$H\n\"a\nb\",x,y,z,1,2\n2018-07-21,\"Peru\"x,2018-06-01,2017-01-01,3,2640\n" \
	"row 2: column 'country_code': unexpected character after a closing quote (line 4)"
broken unterminated.csv "$H\n$R\n2018-07-21,Peru,2018-06-01,2017-01-01,3,\"2640\n" \
	"row 2: column 'voucher_amount': unterminated quoted field"
broken bare-cr.csv "$H\n$R\r$R\n" "row 1: " "carriage return not followed by a line feed"
head -c 1100000 /dev/zero | tr '\0' 'b' >big-field
broken too-long.csv "$H\n$R\n$R\n2018-07-21,Peru,2018-06-01,2017-01-01,3,$(cat big-field)\n" \
	"row 3: record longer than 1048576 bytes (line 4)"
broken empty.csv "" "empty file"
broken only-bom.csv "\xef\xbb\xbf" "empty file"
printf '%s\n%s\n' "$H" "$R" | gzip -c | head -c 30 >cut.csv.gz
expect_exit 1 "$VOUCH" process -q -i cut.csv.gz -o out.json
expect_stderr "cut.csv.gz: corrupt gzip data"
finish
