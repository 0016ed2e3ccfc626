#!/usr/bin/env bash
# The dashboard (GET /) and `vouch report` in headless Chromium: the real
# server on generated data, then on the real file's all-countries artifact.
# The page must show the artifact's numbers (tables, chart bars, the quality
# funnel), fit a phone's width, make no request outside its origin, and
# reload itself when the artifact is replaced; the report file opened via
# file:// must show the same numbers.  Screenshots land in this test's work
# folder (build/tests/work/t0800-dashboard/*.png).  Exit 77 after the
# generated-data half when the real file is absent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

[ -x /usr/bin/chromium ] || fail "Debian's chromium is not installed: run scripts/deps.sh test as root"
[ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/playwright-core" ] ||
	fail "playwright-core is not installed: run 'make npm' (or 'make test') first"
mkdir -p tools
cp "$VOUCH_TESTS/tools/dashboard.mjs" "$VOUCH_TESTS/tools/browser.mjs" tools/
ln -sfn "$VOUCH_NODE_DIR/node_modules" tools/node_modules

# browser NAME ARGS...: runs the browser check with a fresh profile.
browser() {
	local name=$1
	shift
	rm -rf "profile-$name"
	timeout 50 node tools/dashboard.mjs --profile "$VOUCH_WORK/profile-$name" "$@" ||
		fail "dashboard check '$name' failed"
	ok
}

# dashboard NAME FIRST SECOND: serves FIRST, checks the page (screenshots
# NAME-desktop.png and NAME-phone.png), replaces it by SECOND and checks the
# reloaded page, then the HEAD and no-artifact answers, then `vouch report`.
dashboard() {
	local name=$1 first=$2 second=$3
	mkdir -p "live-$name"
	cp "$first" "live-$name/segments.json"
	start_server "serve-$name.log" --segments "live-$name/segments.json" --threads 2 --log-level notice
	wait_ready "$(json 'a.version' "$first")"
	expect_req 200 GET /
	expect_header Content-Type 'text/html; charset=utf-8'
	[ "$(curl -s -I -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/")" = 200 ] || fail "HEAD /"
	ok
	expect_req 405 POST / '{}'
	browser "$name" --url "$BASE/" --artifact "$first" --replace "$VOUCH_WORK/live-$name/segments.json" \
		--with "$second" --shots "$VOUCH_WORK/$name"
	stop_server
	[ -s "$name-desktop.png" ] && [ -s "$name-phone.png" ] || fail "no screenshots of $name"
	ok
	expect_exit 0 "$VOUCH" report -i "$first" -o "$name-report.html"
	grep -q 'data-live="0"' "$name-report.html" || fail "the report should not poll /ready"
	ok
	browser "$name-report" --file "$name-report.html" --artifact "$first"
}

# Generated data: two seeds, every bucket filled.
expect_exit 0 "$VOUCH" gen --rows 20000 --seed 1 -o g1.csv
expect_exit 0 "$VOUCH" gen --rows 15000 --seed 2 -o g2.csv
expect_exit 0 "$VOUCH" process -q -i g1.csv -c all -o gen1.json
expect_exit 0 "$VOUCH" process -q -i g2.csv -c all -o gen2.json
dashboard gen gen1.json gen2.json

# A server without an artifact answers a page that waits for one.
start_server serve-empty.log --segments "$VOUCH_WORK/absent.json" --threads 1 --log-level notice
expect_req 503 GET /
grep -q 'id="not-ready"' resp || fail "GET / without an artifact: $(head -c 200 resp)"
ok
stop_server

# Names and paths from the artifact are escaped.
mkdir -p '<b>&x'
cat >'<b>&x/o.csv' <<'CSV'
timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,<i>Te'st</i>,2018-05-01,2017-01-01,2,100
CSV
expect_exit 0 "$VOUCH" process -q -i '<b>&x/o.csv' -c "<i>Te'st</i>" -o esc.json
expect_exit 0 "$VOUCH" report -i esc.json -o esc.html
grep -q '&lt;i&gt;Te&#39;st&lt;/i&gt;' esc.html && grep -q '&lt;b&gt;&amp;x/o.csv' esc.html &&
	! grep -q '<i>Te' esc.html && ! grep -q '<b>&x' esc.html || fail "artifact strings are not escaped"
ok
expect_exit 2 "$VOUCH" report -i esc.json
expect_exit 1 "$VOUCH" report -i absent.json -o x.html
[ ! -e x.html ] || fail "a failed report must not write its output"
ok

if [ ! -f "$REAL" ]; then
	finish
	echo "skip: $REAL not found (generated data checked)"
	exit 77
fi
# The real file, every country; replaced by a Peru and China artifact.
expect_exit 0 "$VOUCH" process -q -i "$REAL" -c all -o real.json
expect_exit 0 "$VOUCH" process -q -i "$REAL" -c Peru,China -o real2.json
[ "$(json 'a.countries_selected.join()' real.json)" = "Australia,China,Latvia,Peru" ] ||
	fail "the real file should have four countries"
dashboard real real.json real2.json
echo "screenshots: $VOUCH_WORK/real-desktop.png $VOUCH_WORK/real-phone.png"
finish
