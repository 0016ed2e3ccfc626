#!/usr/bin/env bash
# GET /docs in headless Chromium (tests/tools/docs.mjs): the page made from the
# OpenAPI document loads with no script error and no request outside its
# origin, lists every operation with its request members and documented
# statuses, and its form sends each operation's example and shows the
# server's own answer.  Also: the page is one self-contained file (no src=,
# no link to another host), served without an artifact too, HEAD and 405.
# The screenshot lands in this test's work folder (docs.png).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

[ -x /usr/bin/chromium ] || fail "Debian's chromium is not installed: run scripts/deps.sh test as root"
[ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/playwright-core" ] ||
	fail "playwright-core is not installed: run 'make npm' (or 'make test') first"
mkdir -p tools
cp "$VOUCH_TESTS/tools/docs.mjs" "$VOUCH_TESTS/tools/browser.mjs" tools/
ln -sfn "$VOUCH_NODE_DIR/node_modules" tools/node_modules
doc="$VOUCH_TESTS/../src/api/openapi.json"

# Without an artifact the page is there: it documents the API, not the data.
start_server serve-empty.log --segments "$VOUCH_WORK/absent.json" --threads 1 --log-level notice
expect_req 200 GET /docs
expect_header Content-Type 'text/html; charset=utf-8'
stop_server

if [ -f "$REAL" ]; then
	expect_exit 0 "$VOUCH" process -q -i "$REAL" -o segments.json
else
	"$VOUCH" gen --rows 5000 -o orders.csv 2>/dev/null
	expect_exit 0 "$VOUCH" process -q -i orders.csv -o segments.json
fi
start_server serve.log --segments segments.json --threads 2 --log-level notice
expect_req 200 GET /docs
! grep -q -i -E 'src=|https?://' resp || fail "GET /docs loads or links something: $(grep -o -i -E '.{20}(src=|https?://).{30}' resp | head -3)"
ok
grep -q 'Content-Security-Policy' resp || fail "GET /docs has no Content-Security-Policy"
ok
[ "$(curl -s -I -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/docs")" = 200 ] || fail "HEAD /docs"
ok
expect_req 405 POST /docs '{}'
expect_header Allow 'GET, HEAD'
expect_req 307 GET /docs/
expect_header Location /docs
rm -rf profile
timeout 90 node tools/docs.mjs --url "$BASE/docs" --openapi "$doc" --profile "$VOUCH_WORK/profile" \
	--shot "$VOUCH_WORK/docs.png" || fail "GET /docs in Chromium"
ok
stop_server
finish
