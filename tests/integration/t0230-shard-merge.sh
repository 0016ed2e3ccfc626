#!/usr/bin/env bash
# Partial results and `vouch merge`, with no engine: over generated CSV files
# (plain and gzip), a Parquet file of many row groups written by DuckDB (with
# country spellings that change between row groups), a mix of both, and the
# real file, every shard count N in 1 2 3 8 with its parts merged in a
# shuffled order gives the artifact `vouch process` gives in one run: the
# same version, sources (paths, bytes, sha256, rows) and quality.  Each
# refusal of merge (another -c, other segments, other files, a unit missing,
# a unit read twice, a damaged, truncated or other-version part, not a part)
# is exit 1 naming the part, and leaves the old artifact byte for byte.
# `merge --publish` publishes the merged artifact once, and a refused merge
# publishes nothing.
. "$(dirname "$0")/lib.sh"

REDIS_PID=
cleanup() {
	[ -z "$REDIS_PID" ] || kill -KILL "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT

# ---- inputs ----------------------------------------------------------------
mkdir csv
"$VOUCH" gen --rows 30000 --seed 3 -o csv/a.csv 2>/dev/null
"$VOUCH" gen --rows 20000 --seed 4 -o b.csv 2>/dev/null
gzip -c b.csv >csv/b.csv.gz
"$VOUCH" gen --rows 50000 --seed 5 -o m.csv 2>/dev/null
src="(SELECT *, row_number() OVER () AS i FROM read_csv('m.csv', header=true, all_varchar=true))"
# A Parquet file without row groups: one empty unit.
duckdb_sql "COPY (SELECT * FROM read_csv('b.csv', header=true, all_varchar=true) LIMIT 0)
	TO 'empty.parquet' (FORMAT parquet)"
duckdb_sql "COPY (SELECT * EXCLUDE (i) REPLACE (CASE
	WHEN i % 7 = 0 THEN upper(country_code)
	WHEN i > 30000 AND i % 3 = 0 THEN ' ' || lower(country_code) || ' '
	ELSE country_code END AS country_code)
	FROM $src ORDER BY i)
	TO 'multi.parquet' (FORMAT parquet, ROW_GROUP_SIZE 4000)"
groups=$("$VOUCH" inspect multi.parquet | sed -n 's/^row groups: //p')
[ "$groups" -ge 12 ] || fail "expected at least 12 row groups, got $groups"
ok
cat >cfg.json <<'JSON'
{"segments": {"loyal": {"field": "total_orders", "buckets": [{"min": 0, "max": 2}, {"min": 3, "max": 9}, {"name": "10+", "min": 10}]},
 "recent": {"field": "days_since_last_order", "buckets": [{"min": 0, "max": 45}, {"min": 46}]}}}
JSON

# same_artifact A B: the same version, sources (with paths) and quality.
same_artifact() {
	local k
	for k in a.version 'JSON.stringify(a.sources)' 'JSON.stringify(a.quality)' \
		'JSON.stringify(a.countries_selected)'; do
		[ "$(json "$k" "$1")" = "$(json "$k" "$2")" ] ||
			fail "$1 and $2 differ in $k: $(json "$k" "$1") vs $(json "$k" "$2")"
	done
	ok
}

# check NAME OPTIONS...: one run, then every N in 1 2 3 8 as parts merged in a shuffled order.
check() {
	local name=$1 n i order
	shift
	expect_exit 0 "$VOUCH" process -q "$@" -o "$name.json"
	for n in 1 2 3 8; do
		rm -f "$name".*.part
		for ((i = 0; i < n; i++)); do
			# Half the shards write to stdout, half to a file; threads vary.
			if ((i % 2)); then
				"$VOUCH" process -q -j 2 --partial --shard "$i/$n" "$@" -o - >"$name.$i.part" ||
					fail "$name: shard $i/$n failed"
			else
				expect_exit 0 "$VOUCH" process -q -j 1 --partial --shard "$i/$n" "$@" \
					-o "$name.$i.part"
			fi
		done
		mapfile -t order < <(for ((i = 0; i < n; i++)); do echo "$name.$i.part"; done | shuf)
		expect_exit 0 "$VOUCH" merge -q "${order[@]}" -o "$name.m$n.json"
		same_artifact "$name.json" "$name.m$n.json" || fail "order ${order[*]}"
	done
}

check csv -i csv -c all
check multi -i multi.parquet -c all
check multi-two -i multi.parquet -c peru,CHINA
check multi-cfg -i multi.parquet -c all --segments-config cfg.json
check mixed -i csv -i multi.parquet -i b.csv -i empty.parquet
[ "$(json 'a.sources.length' mixed.json)" = 5 ] || fail "mixed: expected 5 sources"
if [ -f "$REAL" ]; then
	check real -i "$REAL" -c all
	check real-peru -i "$REAL"
else
	echo "note: $REAL not found; the real file's checks are skipped"
fi

# A part without --shard is shard 0 of 1, and merges alone.
expect_exit 0 "$VOUCH" process -q --partial -i csv -c all -o whole.part
expect_exit 0 "$VOUCH" merge whole.part -o whole.json
expect_stderr "merged 1 part"
same_artifact csv.json whole.json
# Two halves, merged in reverse order.
expect_exit 0 "$VOUCH" process -q --partial --shard 0/2 -i multi.parquet -c all -o h0.part
expect_exit 0 "$VOUCH" process -q --partial --shard 1/2 -i multi.parquet -c all -o h1.part
expect_exit 0 "$VOUCH" merge -q h1.part h0.part -o h.json
same_artifact multi.json h.json

# --shard without --partial: the artifact of that shard's units; the rows add up.
rows=0
for i in 0 1 2; do
	expect_exit 0 "$VOUCH" process -q --shard "$i/3" -i multi.parquet -c all -o "s$i.json"
	rows=$((rows + $(json a.quality.rows_read "s$i.json")))
done
[ "$rows" = "$(json a.quality.rows_read multi.json)" ] || fail "the shards' rows sum to $rows"
ok
# inspect shows a part.
expect_exit 0 "$VOUCH" inspect multi.1.part
grep -q "^format: vouch-partial/1" stdout && grep -q "^shard: 1 of 8" stdout || fail "inspect: $(head -3 stdout)"
ok

# ---- refusals: exit 1, the part named, the old artifact untouched -----------
cp multi.json old.json
refuse() {
	local want=$1
	shift
	expect_exit 1 "$VOUCH" merge -q "$@" -o old.json
	expect_stderr "$want"
	cmp -s old.json multi.json || fail "a refused merge ($want) changed the artifact"
	ok
}
for i in 0 1 2; do
	expect_exit 0 "$VOUCH" process -q --partial --shard "$i/3" -i multi.parquet -c all -o "t$i.part"
done
expect_exit 0 "$VOUCH" process -q --partial --shard 1/3 -i multi.parquet -c peru -o peru1.part
expect_exit 0 "$VOUCH" process -q --partial --shard 1/3 -i multi.parquet -c all \
	--segments-config cfg.json -o cfg1.part
expect_exit 0 "$VOUCH" process -q --partial --shard 1/3 -i multi.parquet -i b.csv -c all -o files1.part
refuse "peru1.part: selects countries 'peru', but t0.part selects 'all'" t0.part peru1.part t2.part
refuse "cfg1.part: made with other segment definitions than t0.part" t0.part cfg1.part t2.part
refuse "files1.part: lists 2 input files, but t0.part lists 1" t0.part files1.part t2.part
refuse "unit missing: no part read row group" t0.part t2.part
expect_stderr "shard 1/3 reads it; is its part missing?"
refuse "unit read twice: row group" t0.part t1.part t2.part t1.part
expect_stderr "given twice"
# An overlap between two different parts (0/2 overlaps 0/3 and 1/3).
refuse "unit read twice: row group" t0.part t1.part t2.part h0.part
refuse "h0.part" t0.part t1.part t2.part h0.part
size=$(stat -c %s t1.part)
head -c $((size / 2)) t1.part >trunc.part
refuse "trunc.part: truncated: $((size / 2)) of $size bytes" t0.part trunc.part t2.part
head -c 10 t1.part >tiny.part
refuse "tiny.part: truncated: 10 bytes" t0.part tiny.part t2.part
: >empty.part
refuse "empty.part: not a vouch partial result" t0.part empty.part t2.part
cp t1.part damaged.part
printf '\x55' | dd of=damaged.part bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s t1.part damaged.part && printf '\xaa' | dd of=damaged.part bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refuse "damaged.part: damaged: its SHA-256 does not match its content" t0.part damaged.part t2.part
{ cat t1.part; printf 'x'; } >long.part
refuse "long.part: damaged:" t0.part long.part t2.part
sed '1s|^vouch-partial/1|vouch-partial/2|' t1.part >v2.part
refuse "v2.part: format vouch-partial/2, but this vouch reads vouch-partial/1" t0.part v2.part t2.part
refuse "multi.json: not a vouch partial result" t0.part multi.json t2.part
refuse "nope.part: " t0.part nope.part t2.part

# Usage errors.
expect_exit 2 "$VOUCH" process --partial --shard 3/3 -i csv -o x.part
expect_stderr "--shard must be I/N"
expect_exit 2 "$VOUCH" process --partial --shard 1 -i csv -o x.part
expect_exit 2 "$VOUCH" process --partial -i csv -o x.part --publish redis://127.0.0.1:1
expect_stderr "give it to \`vouch merge\`"
expect_exit 2 "$VOUCH" process -i csv -o -
expect_exit 2 "$VOUCH" merge -o x.json
expect_exit 2 "$VOUCH" merge t0.part
expect_exit 2 "$VOUCH" merge -i csv t0.part -o x.json

# A shard cannot read a stream: every shard must see the same bytes.
expect_exit 1 "$VOUCH" process -q --partial -i <(cat csv/a.csv) -o x.part
expect_stderr "is a FIFO: --shard and --partial read regular files only"

# ---- merge --publish ---------------------------------------------------------
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
	RPORT=$(free_port)
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --dir "$VOUCH_WORK" >redis.log 2>&1 &
	REDIS_PID=$!
	for _ in $(seq 100); do
		[ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ] && break
		sleep 0.05
	done
	expect_exit 0 "$VOUCH" merge t2.part t0.part t1.part -o pub.json --publish "redis://127.0.0.1:$RPORT"
	[ "$(redis-cli -p "$RPORT" get vouch:segments:current)" = "$(json a.version multi.json)" ] ||
		fail "merge --publish did not publish the merged version"
	[ "$(redis-cli -p "$RPORT" zcard vouch:segments:versions)" = 1 ] || fail "published more than once"
	ok
	expect_exit 1 "$VOUCH" merge t2.part t0.part -o pub.json --publish "redis://127.0.0.1:$RPORT"
	[ "$(redis-cli -p "$RPORT" zcard vouch:segments:versions)" = 1 ] || fail "a refused merge published"
	ok
	kill -TERM "$REDIS_PID"
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
else
	echo "note: redis-server not installed; merge --publish is not checked (scripts/deps.sh test installs it)"
fi
finish
