#!/usr/bin/env bash
# The documentation's examples run as written (issue 19): every ```sh and
# ```console block of README.md and docs/OPERATIONS.md is run by
# tests/tools/doc-examples.mjs in a scratch folder, with the build's vouch on
# PATH, against the real data under the names the examples use; `vouch serve`
# on a free loopback port (8000 in the examples becomes it); shown output is
# compared.  Blocks marked <!-- doc-test: skip (REASON) --> are counted and
# listed.  CONTRIBUTING.md has the convention.  The checker must also fail:
# on an example that exits non-zero, on wrong shown output, and on a shell
# example hidden in an indented block.
. "$(dirname "$0")/lib.sh"
need_real_data
command -v node >/dev/null || { echo "skip: node not installed (scripts/deps.sh test)"; exit 77; }
command -v curl >/dev/null || { echo "skip: curl not installed (scripts/deps.sh test)"; exit 77; }
root=$(cd "$VOUCH_TESTS/.." && pwd)
bin=$(cd "$(dirname "$VOUCH")" && pwd)
tool=$VOUCH_TESTS/tools/doc-examples.mjs

: >servers.pid
stop_servers() {
	local p
	while read -r p; do
		[ -n "$p" ] && kill -KILL -- "$p" 2>/dev/null || true
	done <"$VOUCH_WORK/servers.pid"
}
trap stop_servers EXIT

# The files the examples name: the real data (linked, never copied into the
# repository), a folder of it, a CSV from `vouch gen` (and gzip-compressed),
# a segments config.
mkdir -p ex/data
ln -s "$REAL" ex/orders.parquet
ln -s "$REAL" ex/a.parquet
ln -s "$REAL" ex/big.parquet
ln -s "$REAL" ex/data/orders.parquet.gzip
"$VOUCH" gen --rows 20000 -o ex/b.csv 2>/dev/null || fail "vouch gen failed"
gzip -c ex/b.csv >ex/orders.csv.gz
cat >ex/my-segments.json <<'JSON'
{"segments": {"loyal": {"field": "total_orders", "buckets": [{"min": 0, "max": 9}, {"name": "10+", "min": 10}]}}}
JSON

PATH=$bin:$PATH node "$tool" --work "$VOUCH_WORK/ex" --pids "$VOUCH_WORK/servers.pid" \
	"$root/README.md" "$root/docs/OPERATIONS.md" >doc.out 2>&1 || { cat doc.out >&2; fail "a documented example does not run as written"; }
cat doc.out
grep -q ' 0 failed$' doc.out || fail "no summary line"
ok
[ -s ex/report.html ] && [ -s ex/sample.csv ] && [ -s ex/clean.csv ] || fail "the Usage examples wrote no files"
ok

# The checker fails where it must.
mkdir -p self
cat >self/bad-exit.md <<'MD'
```sh
vouch process -i missing.parquet -o segments.json
```
MD
cat >self/bad-output.md <<'MD'
```console
$ vouch lookup --segments segments.json '{"customer_id": 1, "country_code": "Peru", "total_orders": 15, "segment_name": "frequent_segment"}'
{"voucher_amount": 1}
```
MD
cat >self/indented.md <<'MD'
Text.

    vouch frobnicate
MD
cat >self/bad-script.md <<'MD'
```sh
sleep 300 &
pid=$!
false
kill $pid
```
MD
cat >self/skipped.md <<'MD'
<!-- doc-test: skip (needs nothing, a test of the marker) -->
```sh
vouch frobnicate
```
MD
for f in bad-exit bad-output indented bad-script; do
	PATH=$bin:$PATH node "$tool" --work "$VOUCH_WORK/ex" --pids "$VOUCH_WORK/servers.pid" "self/$f.md" >self.out 2>&1 &&
		{ cat self.out >&2; fail "the checker passed $f.md"; }
	grep -q '^FAIL: ' self.out || { cat self.out >&2; fail "the checker did not say why $f.md fails"; }
	ok
done
# A script's background job goes with its process group when the script fails.
pgrep -f '^sleep 300$' >/dev/null && fail "the failed script's background job is still running"
ok
PATH=$bin:$PATH node "$tool" --work "$VOUCH_WORK/ex" --pids "$VOUCH_WORK/servers.pid" self/skipped.md >self.out 2>&1 ||
	{ cat self.out >&2; fail "a skipped block was run"; }
grep -q '^skipped skipped.md:2: needs nothing, a test of the marker$' self.out || { cat self.out >&2; fail "the skip was not listed"; }
ok
finish
