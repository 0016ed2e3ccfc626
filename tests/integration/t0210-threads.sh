#!/usr/bin/env bash
# Threads do not change the result: a file of many row groups, with country
# spellings that differ between row groups (so each reader meets countries in
# its own order and names them from its own counts), gives the same artifact
# with -j 1, 2, 3 and 8 as the DuckDB reference, and errors in any row group
# are still reported.
. "$(dirname "$0")/lib.sh"

"$VOUCH" gen --rows 60000 -o orders.csv 2>/dev/null
# Mixed spellings: row groups of 5000 rows; later groups favour other spellings.
src="(SELECT *, row_number() OVER () AS i FROM read_csv('orders.csv', header=true, all_varchar=true))"
duckdb_sql "COPY (SELECT * EXCLUDE (i) REPLACE (CASE
	WHEN i % 7 = 0 THEN upper(country_code)
	WHEN i > 40000 AND i % 3 = 0 THEN ' ' || lower(country_code) || ' '
	ELSE country_code END AS country_code)
	FROM $src ORDER BY i)
	TO 'orders.parquet' (FORMAT parquet, ROW_GROUP_SIZE 5000)"
"$VOUCH" inspect orders.parquet >inspect.txt
groups=$(sed -n 's/^row groups: //p' inspect.txt)
[ "$groups" -ge 10 ] || fail "expected many row groups, got $groups"
ok

for j in 1 2 3 8; do
	expect_exit 0 "$VOUCH" process -q -j "$j" -i orders.parquet -c all -o "all-$j.json"
	expect_exit 0 "$VOUCH" process -q -j "$j" -i orders.parquet -c peru,CHINA -o "two-$j.json"
done
for j in 2 3 8; do
	[ "$(json 'a.version' "all-$j.json")" = "$(json 'a.version' all-1.json)" ] || fail "-j $j changes the all-countries artifact"
	[ "$(json 'a.version' "two-$j.json")" = "$(json 'a.version' two-1.json)" ] || fail "-j $j changes the two-country artifact"
	ok
done
# With "all", the names are the most frequent spellings over the whole file.
expect_json 'a.countries_selected' all-2.json '["Australia","China","Latvia","Peru"]'
# The DuckDB reference groups by exact spelling, so it checks the same rows
# without the spelling changes, in the same row groups.
duckdb_sql "COPY (SELECT * EXCLUDE (i) FROM $src ORDER BY i) TO 'plain.parquet' (FORMAT parquet, ROW_GROUP_SIZE 5000)"
expect_exit 0 "$VOUCH" process -q -j 3 -i plain.parquet -c all -o plain-3.json
duckdb_ref ref-all.json all plain.parquet
compare plain-3.json ref-all.json
expect_json 'JSON.stringify(a.countries)' plain-3.json "$(json 'JSON.stringify(a.countries)' all-1.json)"
expect_json 'a.quality.rows_read' all-8.json 60000

# A bad value in a late row group stops the run, whichever reader meets it.
duckdb_sql "COPY (SELECT * EXCLUDE (i) REPLACE (CASE WHEN i = 57000 THEN 'x' ELSE voucher_amount END AS voucher_amount,
	CASE WHEN i = 57000 THEN 'Peru' ELSE country_code END AS country_code)
	FROM $src ORDER BY i)
	TO 'bad.parquet' (FORMAT parquet, ROW_GROUP_SIZE 5000)"
expect_exit 0 "$VOUCH" process -q -j 2 -i bad.parquet -o bad.json
expect_json 'a.quality.dropped.invalid_voucher_amount' bad.json 1
expect_exit 2 "$VOUCH" process -j 0 -i orders.parquet -o x.json
expect_stderr "--threads must be a whole number"
finish
