#!/usr/bin/env bash
# Damaged Parquet files from real writers, in every codec: a sample of the
# real data written by DuckDB and by the Rust writer (pages v1 and v2), then
# cut short at many lengths and with single bytes changed at many offsets.
# Every run ends with exit 0 (a change the format cannot notice, such as a
# changed value byte) or exit 1 with a message naming the file; never a
# crash, a signal or another exit code.  A cut file always fails.  Run under
# ASan+UBSan too (make test), this checks every length read from the file.
. "$(dirname "$0")/lib.sh"
need_real_data

sql="SET threads TO 1; CREATE TABLE t AS SELECT * FROM read_parquet('$REAL') USING SAMPLE 6000 ROWS (reservoir, 7);"
for codec in uncompressed snappy gzip zstd lz4 brotli; do
	sql+="COPY t TO 'd-$codec.parquet' (FORMAT parquet, COMPRESSION $codec, ROW_GROUP_SIZE 2048);"
done
sql+="COPY t TO 'd-v2.parquet' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1);"
duckdb_sql "$sql"
[ -d "${VOUCH_NODE_DIR:-}/node_modules/parquet-wasm" ] || fail "parquet-wasm is not installed: run 'make npm'"
cp "$VOUCH_TESTS/tools/rs-write.mjs" anchors/
for codec in LZ4 SNAPPY; do
	node anchors/rs-write.mjs d-zstd.parquet rs-$codec.parquet version=V2 compression=$codec \
		pagesize=8192 || fail "the Rust writer failed"
done
node anchors/rs-write.mjs d-zstd.parquet rs-delta.parquet version=V2 compression=BROTLI \
	dictionary=false col.country_code=DELTA_BYTE_ARRAY col.voucher_amount=BYTE_STREAM_SPLIT ||
	fail "the Rust writer failed"

# run FILE MUST_FAIL: one vouch run on a damaged file.
run() {
	local got=0
	"$VOUCH" process -q -i "$1" -c all -o out.json >stdout 2>stderr || got=$?
	if [ "$got" -eq 1 ]; then
		grep -qF "vouch process: $1: " stderr || { cat stderr >&2; fail "$1: message lacks the file name"; }
	elif [ "$got" -ne 0 ] || [ "$2" = 1 ]; then
		cat stderr >&2
		fail "$1 ($3): exit $got"
	fi
	ok
}

# flip FILE OFFSET MASK: xors the byte at OFFSET of a copy, bad.parquet, with MASK.
flip() {
	local byte
	cp "$1" bad.parquet
	byte=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\x$(printf %02x $((byte ^ $3)))" | dd of=bad.parquet bs=1 seek="$2" conv=notrunc status=none
}

for f in d-*.parquet rs-*.parquet; do
	expect_exit 0 "$VOUCH" process -q -i "$f" -c all -o out.json
	size=$(stat -c %s "$f")
	# Cut short: 24 lengths spread over the file, and the last 16 bytes one by one.
	for ((i = 0; i < 24; i++)); do
		head -c $((size * i / 24)) "$f" >cut.parquet
		run cut.parquet 1 "$f cut to $((size * i / 24))"
	done
	for ((len = size - 16; len < size; len++)); do
		head -c "$len" "$f" >cut.parquet
		run cut.parquet 1 "$f cut to $len"
	done
	# One byte changed: 60 offsets spread over the file, and every byte of the footer's tail.
	for ((i = 0; i < 60; i++)); do
		off=$(((size - 8) * i / 60 + 4 + i % 7))
		flip "$f" "$off" $((1 + (i * 73) % 255))
		run bad.parquet 0 "$f byte $off"
	done
	for ((off = size - 8; off < size; off++)); do
		flip "$f" "$off" 255
		run bad.parquet 1 "$f byte $off"
	done
done
finish
