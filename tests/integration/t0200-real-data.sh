#!/usr/bin/env bash
# The real file: SPEC section 4's Peru figures exactly, every country with
# -c all, agreement with the DuckDB reference cell for cell, and a version
# that depends only on content (not on runs, file names or input order).
. "$(dirname "$0")/lib.sh"
need_real_data

expect_exit 0 "$VOUCH" process -i "$REAL" -o peru.json
expect_json 'a.quality.rows_read' peru.json 285570
expect_json 'a.quality.rows_kept' peru.json 40619
expect_json 'a.quality.missing_total_orders' peru.json 3193
expect_json 'a.quality.dropped' peru.json '{"other_country":240650,"invalid_timestamp":0,"invalid_total_orders":0,"missing_voucher_amount":819,"invalid_voucher_amount":0,"first_order_after_last_order":0,"order_before_last_order":3482}'
expect_json 'a.quality.outside_buckets' peru.json '{"frequent_segment":5078,"recency_segment":76}'
expect_json 'a.countries.Peru.rows' peru.json 40619
expect_json 'a.countries.Peru.fallback' peru.json '{"voucher_amount":2640,"rows":21210}'
expect_json 'a.countries.Peru.segments.frequent_segment["0-4"]' peru.json '{"voucher_amount":2640,"rows":16288,"counts":{"2640":6990,"3520":4725,"4400":4573}}'
expect_json 'a.countries.Peru.segments.frequent_segment["5-13"]' peru.json '{"voucher_amount":2640,"rows":9390,"counts":{"2640":5357,"3520":2043,"4400":1990}}'
expect_json 'a.sources.length + ":" + a.sources[0].rows + ":" + a.sources[0].bytes' peru.json "1:285570:2854969"
expect_json 'a.segments.recency_segment.buckets[4]' peru.json '{"name":"180+","min":181,"max":null}'
expect_stderr "rows read 285570, kept 40619"

duckdb_ref ref-peru.json peru "$REAL"
compare peru.json ref-peru.json

expect_exit 0 "$VOUCH" process -i "$REAL" -c all -o all.json
expect_json 'a.countries_selected' all.json '["Australia","China","Latvia","Peru"]'
expect_json 'a.quality.dropped.other_country' all.json 0
expect_json 'JSON.stringify(a.countries.Peru)' all.json "$(json 'JSON.stringify(a.countries.Peru)' peru.json)"
duckdb_ref ref-all.json all "$REAL"
compare all.json ref-all.json

# The version depends on content only.
v=$(json a.version all.json)
expect_exit 0 "$VOUCH" process -q -i "$REAL" -c all -o again.json
expect_json a.version again.json "$v"
cp "$REAL" renamed.parquet
mkdir -p two && cp "$REAL" two/b.parquet && "$VOUCH" gen --rows 1000 -o two/a.csv
expect_exit 0 "$VOUCH" process -q -i renamed.parquet -c all -o renamed.json
expect_json a.version renamed.json "$v"
expect_exit 0 "$VOUCH" process -q -i two/a.csv -i two/b.parquet -c all -o ab.json
expect_exit 0 "$VOUCH" process -q -i two/b.parquet -i two/a.csv -c all -o ba.json
expect_exit 0 "$VOUCH" process -q -i two -c all -o dir.json
expect_json a.version ba.json "$(json a.version ab.json)"
expect_json a.version dir.json "$(json a.version ab.json)"
expect_json a.quality.rows_read dir.json 286570
# A country spelled differently on the command line keeps that spelling.
expect_exit 0 "$VOUCH" process -q -i "$REAL" -c ' peru ' -c CHINA -o spelled.json
expect_json 'Object.keys(a.countries)' spelled.json '["peru","CHINA"]'
expect_json 'a.countries.peru.rows' spelled.json 40619

expect_exit 0 "$VOUCH" inspect "$REAL"
for want in 'rows: 285570' 'GZIP' 'TIMESTAMP' 'voucher_amount' 'DOUBLE'; do
	grep -q "$want" stdout || fail "inspect output lacks '$want'"
	ok
done
finish
