#!/usr/bin/env bash
# Connection limits: past --max-per-ip a connection's requests are answered
# 503 too_many_connections with Connection: close, the connections within
# the limit are not disturbed, and /metrics counts the 503s.  At
# --max-connections the connection idle longest makes room for a new one;
# only with every connection busy does a new one get 503.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

cat >orders.csv <<'CSV'
timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,Testland,2018-05-01,2017-01-01,2,100
CSV
expect_exit 0 "$VOUCH" process -i orders.csv -c Testland -o segments.json
start_server serve.log --segments segments.json --max-per-ip 3 --max-connections 100 --threads 2
node "$VOUCH_TESTS/tools/http-limits.mjs" "$PORT" per-ip || fail "per-address limit"
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_requests_total{route="/voucher",status="503"} 1$' resp || fail "the 503 is not counted"
ok
stop_server

# The total limit: eviction of the idle, 503 when all are busy.
start_server serve2.log --segments segments.json --max-per-ip 0 --max-connections 3 --threads 1
node "$VOUCH_TESTS/tools/http-limits.mjs" "$PORT" total || fail "total limit"
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_connections_evicted_total [1-9]' resp || fail "the eviction is not counted"
grep -q '^vouch_http_connections_refused_total{reason="max_connections"} [1-9]' resp ||
	fail "the refusal is not counted"
ok
stop_server
expect_exit 2 "$VOUCH" serve --segments segments.json --max-per-ip -1

# --max-header at its documented default, 8192, is exact (issue 19): a head
# of 8192 bytes (request line, headers and the blank line) is answered, one
# of 8193 is 431; a request line over 8192 bytes is 414.  Raw bytes over
# bash's /dev/tcp, so no client adds headers of its own.
start_server serve3.log --segments segments.json --threads 1
# status_of CMD...: the status code of the answer to the bytes CMD prints.
status_of() {
	local line=""
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	"$@" >&3
	IFS= read -r -t 10 line <&3 || true
	exec 3<&- 3>&-
	line=${line%$'\r'}
	echo "${line#HTTP/1.1 }" | cut -d' ' -f1
}
# head_of N: a GET /health head of exactly N bytes.
head_of() {
	local pre=$'GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: ' end=$'\r\n\r\n'
	printf '%s%s%s' "$pre" "$(head -c $(($1 - ${#pre} - ${#end})) /dev/zero | tr '\0' a)" "$end"
}
# line_of N: a request line of exactly N bytes (CRLF included), then Host.
line_of() {
	local pre='GET /health?' post=$' HTTP/1.1\r\n'
	printf '%s%s%s' "$pre" "$(head -c $(($1 - ${#pre} - ${#post})) /dev/zero | tr '\0' a)" "$post"
	printf 'Host: t\r\n\r\n'
}
[ "$(head_of 8192 | wc -c)" -eq 8192 ] && [ "$(line_of 9000 | head -n 1 | wc -c)" -eq 9000 ] ||
	fail "the test's own heads have the wrong size"
[ "$(status_of head_of 8192)" = 200 ] || fail "a head of exactly 8192 bytes was not answered 200"
[ "$(status_of head_of 8193)" = 431 ] || fail "a head of 8193 bytes was not 431"
[ "$(status_of head_of 12048)" = 431 ] || fail "a head of 12048 bytes was not 431"
[ "$(status_of line_of 8192)" = 431 ] || fail "a request line of 8192 bytes plus a header was not 431"
[ "$(status_of line_of 8193)" = 414 ] || fail "a request line of 8193 bytes was not 414"
[ "$(status_of line_of 9000)" = 414 ] || fail "a 9000-byte request line was not 414"
ok
stop_server
finish
