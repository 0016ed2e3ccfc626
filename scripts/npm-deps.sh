#!/usr/bin/env bash
# Installs the test-only npm packages (DuckDB, for cross-checks and for writing
# test files; parquet-wasm, a second Parquet writer; playwright-core, which
# drives Chromium in the dashboard and /docs tests; @apidevtools/swagger-parser
# and ajv, which validate the OpenAPI document and the API's requests and
# answers against it) into DIR/node_modules, once; later runs reuse them.
# usage: scripts/npm-deps.sh DIR
set -euo pipefail
dir=${1:?usage: npm-deps.sh DIR}
mkdir -p "$dir"
if [ -d "$dir/node_modules/@duckdb/node-api" ] && [ -d "$dir/node_modules/parquet-wasm" ] &&
	[ -d "$dir/node_modules/playwright-core" ] && [ -d "$dir/node_modules/@apidevtools/swagger-parser" ] &&
	[ -f "$dir/node_modules/ajv/package.json" ] &&
	[ "$(node -p 'require(process.argv[1]).version' "$dir/node_modules/ajv/package.json")" = 8.20.0 ]; then
	exit 0
fi
cp "$(dirname "$0")/../tests/npm/package.json" "$dir/package.json"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
