# Shared helpers of the integration tests (sourced).  ctest sets VOUCH (the
# binary), VOUCH_SHARED (../shared), VOUCH_TESTS (this tests/ folder) and
# VOUCH_WORK (a scratch folder for this test); `make test` adds VOUCH_NODE_DIR
# (node_modules with DuckDB).  Exit 77 means "skipped".
set -euo pipefail

: "${VOUCH:?VOUCH must name the vouch binary}"
: "${VOUCH_WORK:=$(mktemp -d)}"
rm -rf "$VOUCH_WORK"
mkdir -p "$VOUCH_WORK"
cd "$VOUCH_WORK"
REAL="${VOUCH_SHARED:-}/data/data.parquet.gzip"
checks=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	checks=$((checks + 1))
}

# expect_exit CODE CMD...: runs CMD, stderr to ./stderr, and checks its exit code.
expect_exit() {
	local want=$1 got=0
	shift
	"$@" >stdout 2>stderr || got=$?
	[ "$got" -eq "$want" ] || { cat stderr >&2; fail "'$*' exited $got, expected $want"; }
	ok
}

# expect_stderr TEXT: the last command's stderr contains TEXT.
expect_stderr() {
	grep -qF -- "$1" stderr || { cat stderr >&2; fail "stderr lacks '$1'"; }
	ok
}

need_real_data() {
	[ -f "$REAL" ] || { echo "skip: $REAL not found"; exit 77; }
}

# duckdb_ref OUT COUNTRIES INPUT...: the DuckDB reference tables (SPEC
# sections 2-3 in SQL, ../shared/bench/reference.sql) as JSON rows.
duckdb_ref() {
	local out=$1 countries=$2
	shift 2
	[ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/@duckdb/node-api" ] ||
		fail "DuckDB is not installed: run 'make npm' (or 'make test') first"
	mkdir -p anchors
	cp "$VOUCH_SHARED/bench/duckdb-run.mjs" "$VOUCH_SHARED/bench/reference.sql" anchors/
	ln -sfn "$VOUCH_NODE_DIR/node_modules" anchors/node_modules
	node anchors/duckdb-run.mjs --countries "$countries" "$@" >"$out" 2>/dev/null ||
		fail "DuckDB reference run failed"
}

# duckdb_sql SQL: runs SQL in DuckDB (to write test files).
duckdb_sql() {
	[ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/@duckdb/node-api" ] ||
		fail "DuckDB is not installed: run 'make npm' (or 'make test') first"
	mkdir -p anchors
	ln -sfn "$VOUCH_NODE_DIR/node_modules" anchors/node_modules
	cp "$VOUCH_TESTS/tools/sql.mjs" anchors/
	node anchors/sql.mjs "$1" || fail "DuckDB failed: $1"
}

# compare ARTIFACT REF: the artifact agrees with the DuckDB rows cell for cell.
compare() {
	node "$VOUCH_TESTS/tools/compare.mjs" "$1" "$2" || fail "artifact $1 differs from $2"
	ok
}

# json EXPR FILE: evaluates a JavaScript expression over the parsed file (as `a`).
json() {
	node -e "const a = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); \
		const v = ($1); process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v));" "$2"
}

# expect_json EXPR FILE WANT
expect_json() {
	local got
	got=$(json "$1" "$2")
	[ "$got" = "$3" ] || fail "$1 in $2 is '$got', expected '$3'"
	ok
}

# free_port: a TCP port nobody listens on (the kernel picks it, then it is released).
free_port() {
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
		console.log(s.address().port); s.close(); });'
}

finish() {
	echo "$checks passed, 0 failed"
}
