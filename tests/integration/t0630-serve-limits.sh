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
finish
