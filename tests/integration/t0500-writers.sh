#!/usr/bin/env bash
# Interoperability: the real data re-written by two independent Parquet
# writers, DuckDB and the Rust writer (arrow-rs, via parquet-wasm), in every
# codec (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, Hadoop LZ4, BROTLI), data
# pages v1 and v2, dictionary and plain pages, the DELTA and BYTE_STREAM_SPLIT
# encodings, several row groups, typed columns (timestamps as TIMESTAMP in
# millis, micros and nanos, with and without UTC, and DATE; totals and amounts
# as integers, doubles and decimals of 32, 64 and 128 bits; order_ts for
# timestamp) and strings; plus CSV, CSV.gz and a folder mixing them.  Every
# file must give the original file's tables and quality figures (all countries
# and the default Peru), and those match the DuckDB reference.  `vouch inspect`
# proves each file really has the codec, page kind and encoding it is meant to
# test, so a writer that silently ignored an option fails the test.
. "$(dirname "$0")/lib.sh"
need_real_data

# rs_write IN OUT OPTION...: the Rust writer (tests/tools/rs-write.mjs).
rs_write() {
	[ -d "${VOUCH_NODE_DIR:-}/node_modules/parquet-wasm" ] ||
		fail "parquet-wasm is not installed: run 'make npm' (or 'make test') first"
	mkdir -p anchors
	ln -sfn "$VOUCH_NODE_DIR/node_modules" anchors/node_modules
	cp "$VOUCH_TESTS/tools/rs-write.mjs" anchors/
	node anchors/rs-write.mjs "$@" || fail "the Rust writer failed: $*"
}

# shows FILE TEXT...: `vouch inspect FILE` shows each TEXT (a codec, a page
# kind with its encoding, a type), so the file tests what it is meant to.
shows() {
	local f=$1
	shift
	"$VOUCH" inspect "$f" >inspect.txt 2>&1 || { cat inspect.txt >&2; fail "inspect $f failed"; }
	for want in "$@"; do
		grep -qF -- "$want" inspect.txt || { cat inspect.txt >&2; fail "inspect $f lacks '$want'"; }
		ok
	done
}

"$VOUCH" process -q -i "$REAL" -c all -o base.json || fail "base run failed"
"$VOUCH" process -q -i "$REAL" -o base-peru.json || fail "base Peru run failed"
tables=$(json 'JSON.stringify([a.quality, a.countries])' base.json)
tables_peru=$(json 'JSON.stringify([a.quality, a.countries])' base-peru.json)
# The original file agrees with the DuckDB reference; every file below must
# give the same tables as the original, so it agrees with the reference too.
duckdb_ref ref.json all "$REAL"
compare base.json ref.json
duckdb_ref ref-peru.json Peru "$REAL"
compare base-peru.json ref-peru.json

# same FILE...: vouch reads FILE(s) (all countries, then Peru) into the original's tables.
same() {
	local name=${1//\//_}
	local args=()
	for f in "$@"; do args+=(-i "$f"); done
	expect_exit 0 "$VOUCH" process -q "${args[@]}" -c all -o "$name.json"
	[ "$(json 'JSON.stringify([a.quality, a.countries])' "$name.json")" = "$tables" ] ||
		fail "$* give other tables than the original file (all countries)"
	ok
	expect_exit 0 "$VOUCH" process -q "${args[@]}" -o "$name-peru.json"
	[ "$(json 'JSON.stringify([a.quality, a.countries])' "$name-peru.json")" = "$tables_peru" ] ||
		fail "$* give other tables than the original file (Peru)"
	ok
}

# ---- DuckDB -----------------------------------------------------------------
src="read_parquet('$REAL')"
# Typed forms, each file a different combination of the column types.
srcn="read_parquet('$REAL', file_row_number = true)" # the same, with row numbers
typed1="SELECT CAST(timestamp AS TIMESTAMP) AS timestamp, country_code,
	CAST(last_order_ts AS DATE) AS last_order_ts, first_order_ts,
	CAST(CAST(NULLIF(total_orders, '') AS DOUBLE) AS BIGINT) AS total_orders,
	CAST(voucher_amount AS BIGINT) AS voucher_amount FROM $srcn"
typed2="SELECT CAST(timestamp AS TIMESTAMP_MS) AS timestamp, country_code,
	CAST(last_order_ts AS TIMESTAMP_NS) AS last_order_ts, CAST(first_order_ts AS DATE) AS first_order_ts,
	CAST(CAST(NULLIF(total_orders, '') AS DOUBLE) AS INTEGER) AS total_orders,
	CAST(voucher_amount AS DECIMAL(12, 2)) AS voucher_amount FROM $src"
typed3="SELECT CAST(timestamp AS TIMESTAMP_NS) AS order_ts, country_code,
	CAST(last_order_ts AS TIMESTAMP_MS) AS last_order_ts, CAST(first_order_ts AS TIMESTAMP_NS) AS first_order_ts,
	CAST(NULLIF(total_orders, '') AS DOUBLE) AS total_orders,
	CAST(voucher_amount AS INTEGER) AS voucher_amount FROM $src"
typed4="SELECT CAST(timestamp AS TIMESTAMPTZ) AS timestamp, country_code,
	CAST(last_order_ts AS DATE) AS last_order_ts, CAST(first_order_ts AS TIMESTAMPTZ) AS first_order_ts,
	CAST(NULLIF(total_orders, '') AS DECIMAL(9, 1)) AS total_orders,
	CAST(voucher_amount AS DECIMAL(18, 3)) AS voucher_amount FROM $src"
typed5="SELECT timestamp, country_code, last_order_ts, first_order_ts,
	CAST(NULLIF(total_orders, '') AS DECIMAL(38, 1)) AS total_orders,
	CAST(voucher_amount AS DECIMAL(38, 2)) AS voucher_amount FROM $src"
strings="SELECT CAST(timestamp AS VARCHAR) AS timestamp, country_code, last_order_ts,
	CAST(first_order_ts AS VARCHAR) AS first_order_ts, total_orders,
	CAST(voucher_amount AS VARCHAR) AS voucher_amount FROM $src"
sql="SET threads TO 2;"
for codec in uncompressed snappy gzip zstd lz4 brotli; do
	sql+="COPY (SELECT * FROM $src) TO 'duck-$codec-v1.parquet'
		(FORMAT parquet, COMPRESSION $codec, ROW_GROUP_SIZE 50000);"
	sql+="COPY (SELECT * FROM $src) TO 'duck-$codec-v2.parquet'
		(FORMAT parquet, COMPRESSION $codec, ROW_GROUP_SIZE 50000, PARQUET_VERSION V2);"
done
sql+="COPY (SELECT * FROM $src) TO 'duck-plain-v1.parquet'
	(FORMAT parquet, ROW_GROUP_SIZE 50000, DICTIONARY_SIZE_LIMIT 1);"
sql+="COPY (SELECT * FROM $src) TO 'duck-plain-v2.parquet'
	(FORMAT parquet, ROW_GROUP_SIZE 50000, DICTIONARY_SIZE_LIMIT 1, PARQUET_VERSION V2);"
sql+="COPY ($typed1) TO 'duck-typed1.parquet' (FORMAT parquet, ROW_GROUP_SIZE 50000);"
sql+="COPY ($typed2) TO 'duck-typed2.parquet' (FORMAT parquet, ROW_GROUP_SIZE 50000, PARQUET_VERSION V2);"
sql+="COPY ($typed3) TO 'duck-typed3.parquet'
	(FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1, PARQUET_VERSION V2);"
sql+="COPY ($typed4) TO 'duck-typed4.parquet' (FORMAT parquet, COMPRESSION gzip, DICTIONARY_SIZE_LIMIT 1);"
sql+="COPY ($typed5) TO 'duck-typed5.parquet' (FORMAT parquet, COMPRESSION zstd);"
sql+="COPY (SELECT * REPLACE (CAST(voucher_amount AS DECIMAL(38, 18)) AS voucher_amount) FROM $src)
	TO 'duck-dec38-18.parquet' (FORMAT parquet);"
sql+="COPY ($strings) TO 'duck-strings.parquet' (FORMAT parquet, PARQUET_VERSION V2);"
sql+="COPY (SELECT * FROM $src) TO 'duck.csv' (HEADER);"
sql+="COPY (SELECT * FROM $src) TO 'duck.csv.gz' (HEADER, COMPRESSION gzip);"
# A folder of the real data in four parts, each in another format.
mkdir -p mixed
part="SELECT * EXCLUDE (file_row_number) FROM $srcn WHERE file_row_number % 4 ="
sql+="COPY ($part 0) TO 'mixed/a.parquet' (FORMAT parquet, COMPRESSION zstd);"
sql+="COPY ($part 1) TO 'mixed/b.csv' (HEADER);"
sql+="COPY ($part 2) TO 'mixed/c.csv.gz' (HEADER, COMPRESSION gzip);"
sql+="COPY ($typed1 WHERE file_row_number % 4 = 3) TO 'mixed/d.parquet' (FORMAT parquet, PARQUET_VERSION V2);"
duckdb_sql "$sql"

for codec in uncompressed snappy gzip zstd lz4 brotli; do
	name=${codec^^}
	[ "$codec" = lz4 ] && name=LZ4_RAW # DuckDB's lz4 is the LZ4_RAW codec
	shows duck-$codec-v1.parquet "$name, " "row groups: 6" "DATA_PAGE PLAIN_DICTIONARY" "DATA_PAGE PLAIN x"
	shows duck-$codec-v2.parquet "$name, " "format version: 2" "DATA_PAGE DELTA_LENGTH_BYTE_ARRAY"
	same duck-$codec-v1.parquet
	same duck-$codec-v2.parquet
done
shows duck-plain-v1.parquet "dictionary page: no" "DATA_PAGE PLAIN"
! grep -q DICTIONARY inspect.txt || fail "duck-plain-v1.parquet has dictionary pages"
shows duck-plain-v2.parquet "DATA_PAGE DELTA_BINARY_PACKED" "DATA_PAGE BYTE_STREAM_SPLIT" \
	"DATA_PAGE DELTA_LENGTH_BYTE_ARRAY"
! grep -q DICTIONARY inspect.txt || fail "duck-plain-v2.parquet has dictionary pages"
same duck-plain-v1.parquet
same duck-plain-v2.parquet
shows duck-typed1.parquet "timestamp: INT64, logical TIMESTAMP(MICROS" "last_order_ts: INT32, converted DATE" \
	"total_orders: INT64" "voucher_amount: INT64"
shows duck-typed2.parquet "timestamp: INT64, logical TIMESTAMP(MILLIS" "last_order_ts: INT64, logical TIMESTAMP(NANOS" \
	"first_order_ts: INT32, converted DATE" "total_orders: INT32" "voucher_amount: INT64, logical DECIMAL(12, 2)"
shows duck-typed3.parquet "order_ts: INT64, logical TIMESTAMP(NANOS" "-> timestamp" "total_orders: DOUBLE" \
	"voucher_amount: INT32" "DATA_PAGE DELTA_BINARY_PACKED" "DATA_PAGE BYTE_STREAM_SPLIT" "ZSTD, "
shows duck-typed4.parquet "timestamp: INT64, logical TIMESTAMP(MICROS, utc=true)" \
	"total_orders: INT32, logical DECIMAL(9, 1)" "voucher_amount: INT64, logical DECIMAL(18, 3)" "GZIP, "
shows duck-typed5.parquet "total_orders: FIXED_LEN_BYTE_ARRAY(16), logical DECIMAL(38, 1)" \
	"voucher_amount: FIXED_LEN_BYTE_ARRAY(16), logical DECIMAL(38, 2)"
# Unscaled values past 64 bits (2640 * 10^18) are read exactly: 2640.
shows duck-dec38-18.parquet "voucher_amount: FIXED_LEN_BYTE_ARRAY(16), logical DECIMAL(38, 18)"
same duck-dec38-18.parquet
shows duck-strings.parquet "first_order_ts: BYTE_ARRAY" "voucher_amount: BYTE_ARRAY"
for f in duck-typed1 duck-typed2 duck-typed3 duck-typed4 duck-typed5 duck-strings; do
	same $f.parquet
done
[ "$(head -c 2 duck.csv.gz | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "duck.csv.gz is not gzip"
cp duck.csv.gz gzip-named-plain.csv # the format is judged by the bytes, not the name
same duck.csv
same duck.csv.gz
same gzip-named-plain.csv
same mixed
same mixed/a.parquet mixed/b.csv mixed/c.csv.gz mixed/d.parquet

# ---- pages larger than the reader's window (VO_PARQUET_WINDOW, 256 KiB) ------
# One row group holds the whole file, every column PLAIN: each page is read
# and inflated through the window (GZIP, v1 and v2, and stored uncompressed),
# and must give the original tables.  Then pages of 300 kB strings: a batch
# of them does not fit the window, which grows and keeps the views made.
big="SELECT * FROM $src"
for v in V1 V2; do
	for codec in gzip uncompressed; do
		duckdb_sql "COPY ($big) TO 'win-$codec-$v.parquet' (FORMAT parquet, COMPRESSION $codec,
			ROW_GROUP_SIZE 1000000, DICTIONARY_SIZE_LIMIT 1, PARQUET_VERSION $v)"
		shows win-$codec-$v.parquet "row groups: 1" "dictionary page: no"
		same win-$codec-$v.parquet
	done
done
for codec in gzip uncompressed; do
	duckdb_sql "COPY (SELECT CASE WHEN i % 3 = 0 THEN repeat('x', 300000) || i
			ELSE '2018-07-21 18:59:' || lpad(CAST(i % 60 AS VARCHAR), 2, '0') END AS timestamp,
		'Peru' AS country_code, '2018-05-01' AS last_order_ts, TIMESTAMP '2017-01-01' AS first_order_ts,
		'2' AS total_orders, 2640 AS voucher_amount FROM range(90) t(i) ORDER BY i)
		TO 'long-$codec.parquet' (FORMAT parquet, COMPRESSION $codec, DICTIONARY_SIZE_LIMIT 1)"
	expect_exit 0 "$VOUCH" process -q -i long-$codec.parquet -o long-$codec.json
	expect_json '[a.quality.rows_read, a.quality.rows_kept, a.quality.dropped.invalid_timestamp]' \
		long-$codec.json '[90,60,30]'
	expect_exit 0 "$VOUCH" inspect --scan long-$codec.parquet
done

# ---- numbers no int64 holds, and booleans: judged per row --------------------
# Five rows of Peru, valid but for the column under test.  A number past
# int64 (a DECIMAL(20, 1) of 2^63, a DECIMAL(38, 0) of 10^30, a UBIGINT past
# 2^63, a DOUBLE of 1e300) or a fraction is that row's invalid_* outcome and
# the other rows are kept; a BOOLEAN is no number (true is not 1 order); a
# null stays missing.  A BOOLEAN timestamp cannot hold the field at all: the
# run stops naming the column, as for a number there.
rows="SELECT * FROM (VALUES (1), (2), (3), (4), (5)) v(i)"
odd() { # odd NAME TOTAL_ORDERS_EXPR VOUCHER_EXPR: writes NAME.parquet from $rows
	duckdb_sql "COPY (SELECT '2018-07-21 18:59:21' AS timestamp, 'Peru' AS country_code,
		'2018-05-01' AS last_order_ts, TIMESTAMP '2017-01-01' AS first_order_ts,
		$2 AS total_orders, $3 AS voucher_amount FROM ($rows) ORDER BY i)
		TO '$1.parquet' (FORMAT parquet)"
}
# quality NAME KEPT INVALID_TOTAL MISSING_TOTAL MISSING_VOUCHER INVALID_VOUCHER
quality() {
	expect_exit 0 "$VOUCH" process -q -i "$1.parquet" -c all -o "$1.json"
	expect_json '[a.quality.rows_read, a.quality.rows_kept, a.quality.dropped.invalid_total_orders,
		a.quality.missing_total_orders, a.quality.dropped.missing_voucher_amount,
		a.quality.dropped.invalid_voucher_amount]' "$1.json" "[5,$2,$3,$4,$5,$6]"
}
big="CASE i WHEN 2 THEN CAST('9223372036854775808' AS DECIMAL(20, 1)) WHEN 3 THEN 2640.5
	WHEN 4 THEN NULL WHEN 5 THEN CAST('9223372036854775807' AS DECIMAL(20, 1))
	ELSE 2640 END"
odd dec20 "'2'" "CAST($big AS DECIMAL(20, 1))"
shows dec20.parquet "voucher_amount: FIXED_LEN_BYTE_ARRAY(16), logical DECIMAL(20, 1)"
quality dec20 2 0 0 1 2
# INT64_MAX is a whole number: kept, counted under its exact amount.
expect_json 'a.countries.Peru.segments.frequent_segment["0-4"].counts' dec20.json \
	 '{"2640":1,"9223372036854775807":1}'
odd double "'2'" "CASE i WHEN 2 THEN 1e300 WHEN 3 THEN 'nan'::DOUBLE WHEN 4 THEN -5.0 ELSE 2640.0 END"
quality double 2 0 0 1 2
odd dec38 "CASE i WHEN 2 THEN CAST('1e30' AS DECIMAL(38, 0)) WHEN 3 THEN NULL
	WHEN 4 THEN CAST('-1' AS DECIMAL(38, 0)) ELSE CAST(7 AS DECIMAL(38, 0)) END" 2640
shows dec38.parquet "total_orders: FIXED_LEN_BYTE_ARRAY(16), logical DECIMAL(38, 0)"
quality dec38 3 2 1 0 0
odd ubig "CASE i WHEN 2 THEN 18446744073709551615::UBIGINT WHEN 3 THEN 9223372036854775808::UBIGINT
	ELSE 7::UBIGINT END" 2640
shows ubig.parquet "total_orders: INT64"
quality ubig 3 2 0 0 0
odd bool "CASE i WHEN 2 THEN true WHEN 3 THEN false ELSE NULL END" 2640
shows bool.parquet "total_orders: BOOLEAN"
quality bool 3 2 3 0 0
odd boolv "'2'" "CASE i WHEN 2 THEN true WHEN 3 THEN NULL ELSE false END"
shows boolv.parquet "voucher_amount: BOOLEAN"
quality boolv 0 0 0 1 4
duckdb_sql "COPY (SELECT true AS timestamp, 'Peru' AS country_code, '2018-05-01' AS last_order_ts,
	TIMESTAMP '2017-01-01' AS first_order_ts, '2' AS total_orders, 2640 AS voucher_amount)
	TO 'boolts.parquet' (FORMAT parquet)"
expect_exit 1 "$VOUCH" process -q -i boolts.parquet -o boolts.json
expect_stderr "column 'timestamp'"
expect_stderr "cannot use boolean values as timestamp"

# ---- the Rust writer --------------------------------------------------------
for codec in UNCOMPRESSED SNAPPY GZIP ZSTD LZ4_RAW LZ4 BROTLI; do
	rs_write "$REAL" rs-$codec.parquet version=V2 compression=$codec rowgroup=70000 pagesize=131072
	shows rs-$codec.parquet "$codec, " "parquet-rs" "row groups: 5" "DICTIONARY_PAGE PLAIN" \
		"DATA_PAGE_V2 RLE_DICTIONARY"
	same rs-$codec.parquet
done
# Plain v1 pages of the Rust writer, and v2 pages without dictionaries in
# every encoding the format has for these types.
rs_write "$REAL" rs-plain-v1.parquet version=V1 dictionary=false compression=SNAPPY
shows rs-plain-v1.parquet "DATA_PAGE PLAIN"
same rs-plain-v1.parquet
rs_write "$REAL" rs-delta.parquet version=V2 dictionary=false compression=ZSTD \
	col.timestamp=DELTA_LENGTH_BYTE_ARRAY col.country_code=DELTA_BYTE_ARRAY \
	col.first_order_ts=DELTA_BINARY_PACKED col.voucher_amount=BYTE_STREAM_SPLIT
shows rs-delta.parquet "DATA_PAGE_V2 DELTA_LENGTH_BYTE_ARRAY" "DATA_PAGE_V2 DELTA_BYTE_ARRAY" \
	"DATA_PAGE_V2 DELTA_BINARY_PACKED" "DATA_PAGE_V2 BYTE_STREAM_SPLIT"
same rs-delta.parquet
# Typed columns (from DuckDB's typed files) in v2 pages, integers and dates delta-coded.
rs_write duck-typed1.parquet rs-typed1.parquet version=V2 dictionary=false compression=LZ4_RAW \
	col.timestamp=DELTA_BINARY_PACKED col.last_order_ts=DELTA_BINARY_PACKED \
	col.total_orders=DELTA_BINARY_PACKED col.voucher_amount=DELTA_BINARY_PACKED
shows rs-typed1.parquet "DATA_PAGE_V2 DELTA_BINARY_PACKED" "last_order_ts: INT32" "voucher_amount: INT64"
same rs-typed1.parquet
rs_write duck-typed3.parquet rs-typed3.parquet version=V2 compression=BROTLI col.total_orders=BYTE_STREAM_SPLIT \
	dictionary=false
shows rs-typed3.parquet "order_ts: INT64" "DATA_PAGE_V2 BYTE_STREAM_SPLIT"
same rs-typed3.parquet
finish
