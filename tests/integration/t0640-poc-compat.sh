#!/usr/bin/env bash
# The proof of concept's clients keep working (issue 17): vouch serve on the
# real data (Peru), over HTTP, with Python's requests as the proof of concept's
# tests and sample client use it (tests/tools/poc-compat.py): its two API tests
# compare the whole answer {"voucher_amount": 2640}, byte for byte as FastAPI
# writes it; its client reads ["voucher_amount"]; the requests and answers of
# eleven other public implementations (tests/compat/cases.json); and the 422
# bodies of /voucher_amount against Debian's FastAPI and pydantic 1.x running
# the proof of concept's request model (tests/compat/poc_model.py).  Then curl
# as a user of the proof of concept would: the trailing slash followed with -L.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

need_real_data
/usr/bin/python3 -c 'import requests' 2>/dev/null ||
	fail "Debian's python3-requests is not installed: run scripts/deps.sh test as root"
/usr/bin/python3 -c 'import fastapi, uvicorn, pydantic' 2>/dev/null ||
	fail "Debian's python3-fastapi, python3-uvicorn or python3-pydantic is missing: run scripts/deps.sh test as root"

expect_exit 0 "$VOUCH" process -q -i "$REAL" -o peru.json
start_server serve.log --segments peru.json --threads 2

# FastAPI with the proof of concept's request model, for its 422 bodies.
fa_port=$(free_port)
/usr/bin/python3 -m uvicorn poc_model:app --app-dir "$VOUCH_TESTS/compat" --host 127.0.0.1 \
	--port "$fa_port" --log-level warning 2>fastapi.log &
FA_PID=$!
SERVER_PIDS+=("$FA_PID")
for i in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$fa_port/docs" && break
	kill -0 "$FA_PID" 2>/dev/null || { cat fastapi.log >&2; fail "uvicorn exited at start"; }
	sleep 0.1
done

/usr/bin/python3 "$VOUCH_TESTS/tools/poc-compat.py" --vouch "$BASE" --cases "$VOUCH_TESTS/compat/cases.json" \
	--fastapi "http://127.0.0.1:$fa_port" || fail "the proof of concept's clients"
ok
kill "$FA_PID"
wait "$FA_PID" 2>/dev/null || true

# The README's curl, with a trailing slash: -L follows the 307 and keeps the POST body.
got=$(curl -s -L --max-time 10 -H 'Content-Type: application/json' \
	-d '{"customer_id": 1, "country_code": "Peru", "first_order_ts": "2022-01-04 00:00:00", "last_order_ts": "2022-01-04 00:00:00", "total_order": 100, "segment_name": "recency_segment"}' \
	"$BASE/voucher_amount/")
[ "$got" = '{"voucher_amount":2640}' ] || fail "curl -L POST /voucher_amount/ gave '$got'"
ok
# The challenge's example on vouch's own route.
expect_req 200 POST /voucher '{"customer_id": 123, "country_code": "Peru", "last_order_ts": "2018-05-03 00:00:00", "first_order_ts": "2017-05-03 00:00:00", "total_orders": 15, "segment_name": "frequent_segment"}'
expect_body '{"customer_id":123,"country_code":"Peru","segment_name":"frequent_segment","bucket":"14-37","voucher_amount":2640,"fallback":false}'
stop_server
finish
