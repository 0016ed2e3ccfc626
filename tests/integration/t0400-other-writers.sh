#!/usr/bin/env bash
# Files written by another tool (DuckDB) from the real data: Parquet with
# several row groups, gzip and uncompressed, and a CSV export, all give the
# same tables and quality figures as the original pyarrow file.  Generated
# sample data agrees with the DuckDB reference too.
. "$(dirname "$0")/lib.sh"
need_real_data

"$VOUCH" process -q -i "$REAL" -c all -o base.json || fail "base run failed"
tables=$(json 'JSON.stringify([a.quality, a.countries])' base.json)
# The same version through the loops for lesser CPUs (src/core/cpu.h): the
# portable ones (VOUCH_SIMD=0) and those without AVX-512 (VOUCH_SIMD=avx2).
same_without_simd() { # FILE ARTIFACT
	local level
	for level in 0 avx2; do
		VOUCH_SIMD=$level expect_exit 0 "$VOUCH" process -q -i "$1" -c all -o "simd-$level.json"
		[ "$(json a.version "simd-$level.json")" = "$(json a.version "$2")" ] ||
			fail "$1 gives another version with VOUCH_SIMD=$level"
	done
}
same_without_simd "$REAL" base.json

check() {
	expect_exit 0 "$VOUCH" process -q -i "$1" -c all -o "$1.json"
	[ "$(json 'JSON.stringify([a.quality, a.countries])' "$1.json")" = "$tables" ] ||
		fail "$1 gives other tables than the original file"
	same_without_simd "$1" "$1.json"
	ok
}

for codec in gzip uncompressed; do
	duckdb_sql "COPY (SELECT * FROM read_parquet('$REAL')) TO 'duck-$codec.parquet' \
		(FORMAT parquet, COMPRESSION $codec, ROW_GROUP_SIZE 60000)"
	check duck-$codec.parquet
done
duckdb_sql "COPY (SELECT * FROM read_parquet('$REAL')) TO 'duck.csv' (HEADER)"
check duck.csv
# Empty country names (never selected, also under "all") in the first row
# group only: the later row groups, all selected, must still read their own
# rows (a dictionary-coded country column takes a faster path there).  The
# same rows as CSV, which has no dictionaries, give the same tables.
duckdb_sql "COPY (SELECT * EXCLUDE (rn) REPLACE (CASE WHEN rn <= 60000 AND rn % 5 = 0 \
	THEN '' ELSE country_code END AS country_code) FROM (SELECT *, row_number() \
	OVER () AS rn FROM read_parquet('$REAL')) ORDER BY rn) TO 'holes.parquet' \
	(FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 60000)"
duckdb_sql "COPY (SELECT * FROM read_parquet('holes.parquet')) TO 'holes.csv' (HEADER)"
expect_exit 0 "$VOUCH" process -q -i holes.csv -c all -o holes-csv.json
expect_exit 0 "$VOUCH" process -q -i holes.parquet -c all -o holes.json
same_without_simd holes.parquet holes.json
[ "$(json 'JSON.stringify([a.quality, a.countries])' holes.json)" = \
	"$(json 'JSON.stringify([a.quality, a.countries])' holes-csv.json)" ] ||
	fail "holes.parquet gives other tables than the same rows as CSV"
[ "$(json 'a.quality.dropped.other_country' holes.json)" = 12000 ] ||
	fail "expected 12000 rows without a country: $(json 'JSON.stringify(a.quality)' holes.json)"
ok
# Generated sample data, every country, against the DuckDB reference reading the same CSV.
"$VOUCH" gen --rows 200000 --seed 7 -o gen.csv
duckdb_ref ref-gen.json all gen.csv
expect_exit 0 "$VOUCH" process -q -i gen.csv -c all -o gen.json
compare gen.json ref-gen.json

expect_exit 0 "$VOUCH" inspect duck-gzip.parquet
grep -q 'row group 4' stdout || grep -qi 'row groups: 5' stdout || fail "inspect shows no 5 row groups: $(head -20 stdout)"
ok
finish
