#!/usr/bin/env bash
# Files written by another tool (DuckDB) from the real data: Parquet with
# several row groups, gzip and uncompressed, and a CSV export, all give the
# same tables and quality figures as the original pyarrow file.  Generated
# sample data agrees with the DuckDB reference too.
. "$(dirname "$0")/lib.sh"
need_real_data

"$VOUCH" process -q -i "$REAL" -c all -o base.json || fail "base run failed"
tables=$(json 'JSON.stringify([a.quality, a.countries])' base.json)

check() {
	expect_exit 0 "$VOUCH" process -q -i "$1" -c all -o "$1.json"
	[ "$(json 'JSON.stringify([a.quality, a.countries])' "$1.json")" = "$tables" ] ||
		fail "$1 gives other tables than the original file"
	ok
}

for codec in gzip uncompressed; do
	duckdb_sql "COPY (SELECT * FROM read_parquet('$REAL')) TO 'duck-$codec.parquet' \
		(FORMAT parquet, COMPRESSION $codec, ROW_GROUP_SIZE 60000)"
	check duck-$codec.parquet
done
duckdb_sql "COPY (SELECT * FROM read_parquet('$REAL')) TO 'duck.csv' (HEADER)"
check duck.csv
# Generated sample data, every country, against the DuckDB reference reading the same CSV.
"$VOUCH" gen --rows 200000 --seed 7 -o gen.csv
duckdb_ref ref-gen.json all gen.csv
expect_exit 0 "$VOUCH" process -q -i gen.csv -c all -o gen.json
compare gen.json ref-gen.json

expect_exit 0 "$VOUCH" inspect duck-gzip.parquet
grep -q 'row group 4' stdout || grep -qi 'row groups: 5' stdout || fail "inspect shows no 5 row groups: $(head -20 stdout)"
ok
finish
