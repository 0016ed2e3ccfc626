#!/usr/bin/env bash
# How a dataset's inputs are listed and opened (issue 14, items 14 and 15).
#
# Folders: a Hive/Spark export (country=X/part-*.csv, nested date=... folders
# with Parquet, _SUCCESS, _committed_*, _temporary/, .crc checksums, hidden
# files) is read recursively, in byte order of the paths, with the same
# version as the data files named one by one; its work units for --shard
# follow that order, and its shards merge to the same artifact.  Any other
# file in the tree (README.txt, a FIFO, a Hive file without a suffix) stops
# the run with exit 1 naming it; a symbolic link loop too.
#
# Streams: /dev/stdin from a pipe, <(...), a named FIFO (CSV and CSV.gz) are
# read whole, once, with the same version, bytes and sha256 as the file;
# Parquet in a pipe is refused at once.
. "$(dirname "$0")/lib.sh"

"$VOUCH" gen --rows 6000 --seed 11 -o g1.csv 2>/dev/null
"$VOUCH" gen --rows 5000 --seed 12 -o g2.csv 2>/dev/null
"$VOUCH" gen --rows 4000 --seed 13 -o g3.csv 2>/dev/null
"$VOUCH" gen --rows 3000 --seed 14 -o g4.csv 2>/dev/null
duckdb_sql "COPY (SELECT * FROM read_csv('g3.csv', header=true, all_varchar=true))
	TO 'g3.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000)"

# ---- a Spark/Hive export -----------------------------------------------------
mkdir -p export/country=Peru/date=2018-01-01 export/country=Chile export/_temporary/0 \
	export/.spark-staging export/country=Peru/_x=1
cp g1.csv export/country=Peru/part-00000-c000.csv
gzip -c g2.csv >export/country=Chile/part-00000-c000.csv.gz
cp g3.parquet export/country=Peru/date=2018-01-01/part-00000.snappy.parquet
cp g4.csv export/country=Peru/_x=1/part-00001.csv # '_' with '=': a partition, read
: >export/_SUCCESS
: >export/country=Peru/_committed_6518764
: >export/country=Peru/_started_6518764
echo junk >export/country=Peru/.part-00000-c000.csv.crc
echo junk >export/country=Chile/part-00000-c000.csv.gz.crc
cp g1.csv export/_temporary/0/part-00009.csv # a task's leftover: never read
cp g1.csv export/.spark-staging/part-00009.csv
cp g1.csv export/country=Peru/.hidden.csv
echo '{}' >export/country=Chile/clean.csv.meta.json # vouch clean's metadata: skipped

# The data files, in the documented order: what `find | LC_ALL=C sort` prints.
want=$(cd . && find export -type f \( -name '*.csv' -o -name '*.csv.gz' -o -name '*.parquet' \) \
	-not -path '*/_temporary/*' -not -path '*/.*' | LC_ALL=C sort)
[ "$(echo "$want" | wc -l)" = 4 ] || fail "expected 4 data files, found: $want"
ok
mapfile -t files <<<"$want"
args=()
for f in "${files[@]}"; do args+=(-i "$f"); done
expect_exit 0 "$VOUCH" process -q -c all "${args[@]}" -o named.json
expect_exit 0 "$VOUCH" process -q -c all -i export -o tree.json
expect_json a.version tree.json "$(json a.version named.json)"
expect_json 'a.sources.map((s) => s.path).join(" ")' tree.json "${files[*]}"
expect_json a.quality.rows_read tree.json 18000
# A trailing slash names the same files.
expect_exit 0 "$VOUCH" process -q -c all -i export/ -o tree2.json
expect_json a.version tree2.json "$(json a.version named.json)"

# --shard numbers the units in that order: shards of the tree merge to the same artifact.
parts=()
for i in 0 1 2 3 4; do
	expect_exit 0 "$VOUCH" process -q -c all --partial --shard "$i/5" -i export -o "tree$i.part"
	parts+=("tree$i.part")
done
expect_exit 0 "$VOUCH" merge -q "${parts[4]}" "${parts[2]}" "${parts[0]}" "${parts[3]}" "${parts[1]}" -o merged.json
expect_json a.version merged.json "$(json a.version named.json)"
"$VOUCH" inspect tree0.part >inspect.txt
listed=$(sed -n 's/^  [0-9]*: \(export[^ ]*\) (.*/\1/p' inspect.txt | tr '\n' ' ')
[ "$listed" = "${files[*]} " ] || fail "the part lists '$listed', expected '${files[*]} '"
grep -q "^  3: export/country=Peru/part-00000-c000.csv (CSV, .*, 1 unit)" inspect.txt &&
	grep -q "part-00000.snappy.parquet (Parquet, .*, [2-9] units)" inspect.txt ||
	fail "the units: $(cat inspect.txt)"
ok

# Any other file stops the run, named; the output stays as it was.
cp tree.json keep.json
echo hello >export/country=Peru/README.txt
expect_exit 1 "$VOUCH" process -q -c all -i export -o keep.json
expect_stderr "export/country=Peru/README.txt: not a data file"
expect_stderr "names starting with '.' or '_', *.crc and *.json are skipped"
cmp -s keep.json tree.json || fail "a refused run changed the output"
ok
cp g1.csv export/country=Chile/000000_0 # Hive's own naming, no suffix
expect_exit 1 "$VOUCH" process -q -c all -i export -o keep.json
expect_stderr "and 1 more files are not data files"
rm export/country=Peru/README.txt export/country=Chile/000000_0
mkfifo export/country=Chile/part-00001.csv
expect_exit 1 timeout 20 "$VOUCH" process -q -c all -i export -o keep.json
expect_stderr "export/country=Chile/part-00001.csv: not a data file"
rm export/country=Chile/part-00001.csv
ln -s .. export/country=Chile/up
expect_exit 1 "$VOUCH" process -q -c all -i export -o keep.json
expect_stderr "a folder that contains itself (a symbolic link loop)"
rm export/country=Chile/up
mkdir -p empty/_temporary
cp g1.csv empty/_temporary/x.csv
expect_exit 1 "$VOUCH" process -q -i empty -o keep.json
expect_stderr "empty: folder has no data files"

# ---- streams -----------------------------------------------------------------
gzip -c g2.csv >g2.csv.gz
expect_exit 0 "$VOUCH" process -q -c all -i g1.csv -o f1.json
expect_exit 0 "$VOUCH" process -q -c all -i g2.csv.gz -o f2.json
sha1=$(sha256sum g1.csv | cut -d' ' -f1)
sha2=$(sha256sum g2.csv.gz | cut -d' ' -f1)
# stream_ok FILE.json WANT.json SHA BYTES
stream_ok() {
	expect_json a.version "$1" "$(json a.version "$2")"
	expect_json a.sources[0].sha256 "$1" "$3"
	expect_json a.sources[0].bytes "$1" "$4"
}
cat g1.csv | "$VOUCH" process -q -c all -i /dev/stdin -o s1.json || fail "/dev/stdin from a pipe"
stream_ok s1.json f1.json "$sha1" "$(stat -c %s g1.csv)"
expect_json a.sources[0].path s1.json /dev/stdin
cat g2.csv.gz | "$VOUCH" process -q -j 2 -c all -i /dev/stdin -o s2.json || fail "gzip from a pipe"
stream_ok s2.json f2.json "$sha2" "$(stat -c %s g2.csv.gz)"
expect_exit 0 "$VOUCH" process -q -c all -i <(cat g1.csv) -o s3.json
stream_ok s3.json f1.json "$sha1" "$(stat -c %s g1.csv)"
# A regular file on stdin is a regular file.
"$VOUCH" process -q -c all -i /dev/stdin -o s4.json <g2.csv.gz || fail "/dev/stdin from a file"
stream_ok s4.json f2.json "$sha2" "$(stat -c %s g2.csv.gz)"
# A named FIFO whose writer comes after vouch opened it, and one before.
mkfifo fifo
timeout 30 "$VOUCH" process -q -c all -i fifo -o s5.json &
vp=$!
sleep 0.2
cat g2.csv.gz >fifo
wait "$vp" || fail "reading a FIFO failed"
stream_ok s5.json f2.json "$sha2" "$(stat -c %s g2.csv.gz)"
(cat g1.csv >fifo) &
wp=$!
expect_exit 0 timeout 30 "$VOUCH" process -q -c all -i fifo -o s6.json
wait "$wp"
stream_ok s6.json f1.json "$sha1" "$(stat -c %s g1.csv)"
# Several streams and files in one run.
expect_exit 0 "$VOUCH" process -q -c all -i <(cat g1.csv) -i g2.csv.gz -o s7.json
expect_exit 0 "$VOUCH" process -q -c all -i g1.csv -i g2.csv.gz -o f7.json
expect_json a.version s7.json "$(json a.version f7.json)"
# Parquet in a pipe: refused at once, with the reason; the output untouched.
cp f1.json keep.json
cat g3.parquet | timeout 20 "$VOUCH" process -q -i /dev/stdin -o keep.json 2>stderr && fail "Parquet from a pipe was accepted"
expect_stderr "/dev/stdin: is a FIFO holding Parquet, which is read by seeking"
cmp -s keep.json f1.json || fail "a refused run changed the output"
ok
# An empty stream and a broken gzip stream are errors, as for files.
expect_exit 1 "$VOUCH" process -q -i <(true) -o keep.json
expect_stderr "empty file"
expect_exit 1 "$VOUCH" process -q -i <(head -c 3000 g2.csv.gz) -o keep.json
expect_stderr "corrupt gzip data"
finish
