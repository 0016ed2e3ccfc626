#!/usr/bin/env bash
# vouch serve over real HTTP: every row of SPEC section 5's table, the alias
# route and field, the batch route, as_of (request and --as-of), the GET
# routes, the not-ready state until the artifact appears, `vouch lookup`,
# and SIGTERM exiting 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

# A small order log whose segments have distinct vouchers: frequent 0-4 -> 100,
# 5-13 -> 200, 14-37 -> 300; recency 30-60 -> 100, 91-120 -> 200, 121-180 ->
# 300, 61-90 and 180+ empty; fallback 300 (three rows).
cat >orders.csv <<'CSV'
timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,Testland,2018-05-01,2017-01-01,2,100
2018-06-15 11:00:00,Testland,2018-05-01,2017-01-01,3,100
2018-06-15 12:00:00,Testland,2018-03-07,2017-01-01,10,200
2018-06-15 13:00:00,Testland,2018-03-07,2017-01-01,11,200
2018-06-15 14:00:00,Testland,2018-01-16,2017-01-01,20,300
2018-06-15 15:00:00,Testland,2018-01-16,2017-01-01,21,300
2018-06-15 16:00:00,Testland,2018-01-16,2017-01-01,22,300
CSV
expect_exit 0 "$VOUCH" process -i orders.csv -c Testland -o segments.json
version=$(json 'a.version' segments.json)

# Not ready until the artifact exists; it is picked up when it appears.
mkdir -p live
start_server serve.log --segments live/segments.json --as-of 2018-06-15
expect_req 503 GET /ready
expect_resp 'a.error.code' not_ready
expect_req 503 POST /voucher '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
expect_resp 'a.error.code' not_ready
expect_req 503 GET /segments
expect_req 200 GET /health
expect_body '{"status":"ok"}'
cp segments.json live/segments.json.tmp
mv live/segments.json.tmp live/segments.json
wait_ready "$version"

v='"customer_id":123,"country_code":" testLAND ",'
# 200: bucket found and not empty; the exact body of SPEC section 5.
expect_req 200 POST /voucher "{$v\"segment_name\":\"frequent_segment\",\"total_orders\":3}"
expect_body '{"customer_id":123,"country_code":"Testland","segment_name":"frequent_segment","bucket":"0-4","voucher_amount":100,"fallback":false}'
expect_header Content-Type application/json
# The proof of concept's route and field name: its contract, {"voucher_amount": N}
# only (t0640 tests the rest of it).
expect_req 200 POST /voucher_amount "{$v\"segment_name\":\"frequent_segment\",\"total_order\":10}"
expect_body '{"voucher_amount":200}'
# total_orders as an integral float and as a string.
expect_req 200 POST /voucher "{$v\"segment_name\":\"frequent_segment\",\"total_orders\":20.0}"
expect_resp '[a.bucket, a.voucher_amount]' '["14-37",300]'
expect_req 200 POST /voucher "{$v\"segment_name\":\"frequent_segment\",\"total_orders\":\"2.0\"}"
expect_resp 'a.bucket' '0-4'
# A string customer_id is echoed back.
expect_req 200 POST /voucher '{"customer_id":"crm-77","country_code":"Testland","segment_name":"frequent_segment","total_orders":0}'
expect_resp 'a.customer_id' 'crm-77'
# Recency against --as-of 2018-06-15: 45 days -> 30-60.
expect_req 200 POST /voucher "{$v\"segment_name\":\"recency_segment\",\"last_order_ts\":\"2018-05-01 23:59:59\",\"first_order_ts\":\"2017-05-03\"}"
expect_resp '[a.bucket, a.voucher_amount, a.fallback]' '["30-60",100,false]'
# The request's as_of wins over --as-of: 2018-08-14 is 105 days later -> 91-120.
expect_req 200 POST /voucher "{$v\"segment_name\":\"recency_segment\",\"last_order_ts\":\"2018-05-01\",\"as_of\":\"2018-08-14T08:00:00Z\"}"
expect_resp '[a.bucket, a.voucher_amount]' '["91-120",200]'
# 200 with the fallback: 75 days is in the empty bucket 61-90.
expect_req 200 POST /voucher "{$v\"segment_name\":\"recency_segment\",\"last_order_ts\":\"2018-04-01\"}"
expect_body '{"customer_id":123,"country_code":"Testland","segment_name":"recency_segment","bucket":"61-90","voucher_amount":300,"fallback":true}'
# 404 no_matching_bucket: 10 days, 50 orders.
expect_req 404 POST /voucher "{$v\"segment_name\":\"recency_segment\",\"last_order_ts\":\"2018-06-05\"}"
expect_resp 'a.error.code' no_matching_bucket
expect_req 404 POST /voucher "{$v\"segment_name\":\"frequent_segment\",\"total_orders\":50}"
expect_resp 'a.error.code' no_matching_bucket
# 404 unknown_country.
expect_req 404 POST /voucher '{"customer_id":1,"country_code":"Atlantis","segment_name":"frequent_segment","total_orders":3}'
expect_resp 'a.error.code' unknown_country
# 400 invalid_json: not JSON, not an object, empty.
for body in '{"customer_id":' '[1,2]' '"text"' '' 'nul' '{"a":1}}'; do
	expect_req 400 POST /voucher "$body"
	expect_resp 'a.error.code' invalid_json
done
# 422 invalid_request with the field.
bad() { # bad FIELD BODY
	expect_req 422 POST /voucher "$2"
	expect_resp '[a.error.code, a.error.field]' "[\"invalid_request\",\"$1\"]"
	expect_resp 'typeof a.error.message === "string" && a.error.message.length > 0' true
}
bad customer_id '{"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
bad customer_id '{"customer_id":"","country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
bad customer_id '{"customer_id":true,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
bad customer_id '{"customer_id":1.5,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}'
bad country_code '{"customer_id":1,"segment_name":"frequent_segment","total_orders":3}'
bad country_code '{"customer_id":1,"country_code":7,"segment_name":"frequent_segment","total_orders":3}'
bad segment_name '{"customer_id":1,"country_code":"Testland","total_orders":3}'
bad segment_name '{"customer_id":1,"country_code":"Testland","segment_name":"loyalty_segment","total_orders":3}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment"}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":-1}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":2.5}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":"abc"}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":true}'
bad total_orders '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-05-01","total_orders":"-3"}'
bad last_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment"}'
bad last_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"yesterday"}'
bad last_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-02-30"}'
bad last_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-07-01"}'
bad first_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-05-01","first_order_ts":"2018-05-02"}'
bad first_order_ts '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3,"first_order_ts":12}'
bad as_of '{"customer_id":1,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-05-01","as_of":"soon"}'
# Unknown fields are ignored.
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3,"coupon":"x"}'

# 413 payload_too_large (default limit 64 KiB), declared and chunked.
big=$(head -c 70000 /dev/zero | tr '\0' ' ')
expect_req 413 POST /voucher "{\"customer_id\":1,\"pad\":\"$big\"}"
expect_resp 'a.error.code' payload_too_large
expect_req 413 POST /voucher "{\"customer_id\":1,\"pad\":\"$big\"}" -H 'Transfer-Encoding: chunked'
expect_resp 'a.error.code' payload_too_large
# 415 for an explicit non-JSON Content-Type; JSON with parameters is fine.
expect_req 415 POST /voucher '{}' -H 'Content-Type: text/plain'
expect_resp 'a.error.code' unsupported_media_type
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}' -H 'Content-Type: application/json; charset=utf-8'
# No Content-Type at all is accepted (curl -H 'Content-Type:' removes it).
expect_req 200 POST /voucher '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}' -H 'Content-Type:'
# 405 with Allow; 404 not_found.
expect_req 405 GET /voucher
expect_resp 'a.error.code' method_not_allowed
expect_header Allow POST
expect_req 405 DELETE /voucher_amount
expect_header Allow POST
expect_req 405 POST /health '{}'
expect_header Allow 'GET, HEAD'
expect_req 404 GET /nope
expect_resp 'a.error.code' not_found
# A route with a trailing slash is redirected (307, as FastAPI): curl -L keeps
# the method and the body.
expect_req 307 POST /voucher/ '{}'
expect_header Location /voucher
[ ! -s resp ] || fail "the 307 has a body: $(cat resp)"
ok
STATUS=$(curl -s -L -o resp -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
	-d '{"customer_id":5,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3}' "$BASE/voucher/")
[ "$STATUS" = 200 ] || fail "curl -L POST /voucher/ answered $STATUS"
expect_resp '[a.customer_id, a.bucket]' '[5,"0-4"]'
for p in /voucher_amount/ /vouchers/ /health/ /docs/ /openapi.json/; do
	expect_req 307 GET "$p"
	expect_header Location "${p%/}"
done
expect_req 404 POST /voucher// '{}'
expect_req 404 GET /nope/

# Batch: answers in order, errors with their status.
expect_req 200 POST /vouchers '{"customers":[
 {"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":3},
 {"customer_id":2,"country_code":"Testland","segment_name":"frequent_segment","total_orders":-1},
 {"customer_id":3,"country_code":"Mars","segment_name":"frequent_segment","total_orders":3},
 {"customer_id":4,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-04-01"},
 7]}'
expect_resp 'a.results.length' 5
expect_resp 'a.results[0]' '{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","bucket":"0-4","voucher_amount":100,"fallback":false}'
expect_resp '[a.results[1].status, a.results[1].error.code, a.results[1].error.field]' '[422,"invalid_request","total_orders"]'
expect_resp '[a.results[2].status, a.results[2].error.code]' '[404,"unknown_country"]'
expect_resp '[a.results[3].voucher_amount, a.results[3].fallback]' '[300,true]'
# An item that is not an object gets the single route's answer to such a body.
expect_resp '[a.results[4].status, a.results[4].error.code]' '[400,"invalid_json"]'
expect_req 422 POST /vouchers '{"customers":{}}'
expect_resp 'a.error.field' customers
expect_req 400 POST /vouchers '[]'
node -e 'const c=[];for(let i=0;i<10001;i++)c.push({customer_id:i});process.stdout.write(JSON.stringify({customers:c}))' >toomany.json
expect_req 422 POST /vouchers "@toomany.json"
expect_resp 'a.error.field' customers
node -e 'const c=[];for(let i=0;i<10000;i++)c.push({customer_id:i,country_code:"Testland",segment_name:"frequent_segment",total_orders:i%40});process.stdout.write(JSON.stringify({customers:c}))' >batch.json
expect_req 200 POST /vouchers "@batch.json"
expect_resp 'a.results.length' 10000
expect_resp 'a.results.filter(r => r.status === 404).length' 500
expect_resp 'a.results[39].error.code + a.results[14].bucket' 'no_matching_bucket14-37'

# GET routes.
expect_req 200 GET /ready
expect_resp 'a.version' "$version"
expect_req 200 GET /segments
expect_resp 'a.version' "$version"
expect_resp 'JSON.stringify(a.countries.Testland)' "$(json 'JSON.stringify(a.countries.Testland)' segments.json)"
expect_resp 'JSON.stringify(a.quality)' "$(json 'JSON.stringify(a.quality)' segments.json)"
[ "$(curl -s -I -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/health")" = 200 ] || fail "HEAD /health"
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_requests_total{route="/voucher",status="200"} [1-9]' resp || fail "no /voucher 200 count in /metrics"
grep -q '^vouch_http_requests_total{route="/voucher",status="422"} [1-9]' resp || fail "no /voucher 422 count in /metrics"
grep -q "^vouch_artifact_info{version=\"$version\"" resp || fail "no artifact version in /metrics"
grep -q '^vouch_http_request_duration_seconds_bucket{route="/voucher",le="+Inf"} [1-9]' resp || fail "no latency histogram"
grep -q '^vouch_reloads_total{result="ok"} 1$' resp || fail "reload count is not 1"
grep -q '^vouch_artifact_age_seconds [0-9]' resp || fail "no artifact age"
ok
expect_req 200 GET /openapi.json
expect_resp 'a.openapi.startsWith("3.0")' true
expect_resp 'Object.keys(a.paths).sort().join(" ")' '/ /docs /health /metrics /openapi.json /ready /segments /voucher /voucher_amount /vouchers'
# Every documented operation exists (not 404 or 405 for its method).
for p in $(json 'Object.entries(a.paths).flatMap(([p, o]) => Object.keys(o).map(m => m.toUpperCase() + p)).join(" ")' resp); do
	m=${p%%/*} path=/${p#*/}
	req "$m" "$path" '{}'
	[ "$STATUS" != 404 ] && [ "$STATUS" != 405 ] || fail "documented $m $path answers $STATUS"
done
ok
# Access log lines.
grep -q 'access method=POST path=/voucher status=200 us=[0-9]' serve.log || fail "no access log line"
ok
stop_server

# The real data: the challenge's example request answers 2640.
if [ -f "$REAL" ]; then
	expect_exit 0 "$VOUCH" process -i "$REAL" -o peru.json
	start_server real.log --segments peru.json
	expect_req 200 POST /voucher '{"customer_id": 123, "country_code": "Peru", "last_order_ts": "2018-05-03 00:00:00", "first_order_ts": "2017-05-03 00:00:00", "total_orders": 15, "segment_name": "recency_segment"}'
	expect_resp '[a.customer_id, a.country_code, a.segment_name, a.voucher_amount]' '[123,"Peru","recency_segment",2640]'
	expect_req 200 POST /voucher_amount '{"customer_id": 123, "country_code": "Peru", "last_order_ts": "2018-05-03 00:00:00", "first_order_ts": "2017-05-03 00:00:00", "total_order": 15, "segment_name": "frequent_segment"}'
	expect_body '{"voucher_amount":2640}'
	stop_server
fi

# vouch lookup: the same answers without a server.
expect_exit 0 "$VOUCH" lookup --segments segments.json --as-of 2018-06-15 '{"customer_id":9,"country_code":"Testland","segment_name":"recency_segment","last_order_ts":"2018-04-01"}'
[ "$(cat stdout)" = '{"customer_id":9,"country_code":"Testland","segment_name":"recency_segment","bucket":"61-90","voucher_amount":300,"fallback":true}' ] || fail "lookup printed $(cat stdout)"
expect_exit 1 "$VOUCH" lookup --segments segments.json '{"customer_id":9}'
expect_json 'a.error.field' stdout country_code
echo '{"customers":[{"customer_id":1,"country_code":"Testland","segment_name":"frequent_segment","total_orders":12}]}' >one.json
expect_exit 0 "$VOUCH" lookup --segments segments.json --batch - <one.json
expect_json 'a.results[0].voucher_amount' stdout 200
expect_exit 2 "$VOUCH" lookup --segments segments.json
expect_exit 1 "$VOUCH" lookup --segments missing.json '{}'
expect_exit 2 "$VOUCH" serve --segments x.json --port 70000
expect_stderr "--port must be a whole number"
VOUCH_PORT=abc expect_exit 2 "$VOUCH" serve --segments x.json
expect_stderr "VOUCH_PORT must be a whole number"
finish
